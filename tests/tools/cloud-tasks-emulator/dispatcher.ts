import http from "node:http";
import https from "node:https";
import { formatEtaSeconds } from "./wire.ts";

/** What one attempt needs to know to build production's dispatch headers. */
export interface DispatchHeaderInput {
  /** Caller headers as stored on the task (casing kept). */
  callerHeaders: Record<string, string>;
  queueId: string;
  taskId: string;
  /** Dispatches before this one (0 on the first attempt). */
  retryCount: number;
  /** Earlier attempts that got a non-5xx response. */
  executionCount: number;
  /** The task's schedule_time for this attempt, epoch ms. */
  scheduleTimeMs: number;
  /** Previous attempt's HTTP status (504 for a timeout), `undefined` if none or a connection error. */
  previousResponse: number | undefined;
  /** `Bearer …` when the task has an OIDC or OAuth token; replaces any caller Authorization. */
  authorization: string | undefined;
  /** Body length in bytes, sent as Content-Length for methods that carry a body. */
  bodyLength: number | undefined;
}

/** Caller headers production replaces or drops before dispatch (compared lower-cased). */
function isReserved(lowerName: string, hasAuthorization: boolean): boolean {
  return (
    lowerName === "host" ||
    lowerName === "content-length" ||
    lowerName === "user-agent" ||
    lowerName.startsWith("x-cloudtasks-") ||
    lowerName.startsWith("x-google-") ||
    lowerName.startsWith("x-appengine-") ||
    (hasAuthorization && lowerName === "authorization")
  );
}

/**
 * The request headers of one attempt, with the casing production documents. Content-Type is never
 * added; the retry-only headers appear after an attempt that got a status (a timeout counts as 504).
 */
export function dispatchHeaders(input: DispatchHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {};
  const hasAuth = input.authorization !== undefined;
  for (const [name, value] of Object.entries(input.callerHeaders)) {
    if (!isReserved(name.toLowerCase(), hasAuth)) headers[name] = value;
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "accept-encoding")) {
    headers["Accept-Encoding"] = "gzip";
  }
  if (input.bodyLength !== undefined) headers["Content-Length"] = String(input.bodyLength);
  if (input.authorization !== undefined) headers["Authorization"] = input.authorization;
  headers["User-Agent"] = "Google-Cloud-Tasks";
  headers["X-CloudTasks-QueueName"] = input.queueId;
  headers["X-CloudTasks-TaskName"] = input.taskId;
  headers["X-CloudTasks-TaskRetryCount"] = String(input.retryCount);
  headers["X-CloudTasks-TaskExecutionCount"] = String(input.executionCount);
  headers["X-CloudTasks-TaskETA"] = formatEtaSeconds(input.scheduleTimeMs);
  if (input.retryCount > 0 && input.previousResponse !== undefined) {
    headers["X-CloudTasks-TaskPreviousResponse"] = String(input.previousResponse);
    headers["X-CloudTasks-TaskRetryReason"] = "";
  }
  return headers;
}

/** How an attempt ended. */
export type AttemptOutcome =
  | { kind: "response"; status: number; retryAfter: string | undefined }
  | { kind: "timeout" }
  | { kind: "connection-error"; message: string }
  /** Stopped by the emulator itself (reset or stop), not by the target. */
  | { kind: "cancelled" };

/** One HTTP request to the task's target. */
export interface AttemptRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Time allowed for the response headers, ms. */
  deadlineMs: number;
  /** Aborts the attempt from outside (emulator reset or stop). */
  cancel: AbortSignal;
}

/**
 * Sends one attempt with node:http (which keeps header casing, unlike fetch) and resolves when the
 * response headers arrive, the deadline passes or the connection fails; it never rejects. The
 * response body is drained and discarded: only the status decides the outcome.
 */
export function sendAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), request.deadlineMs);
    const signal = AbortSignal.any([deadline.signal, request.cancel]);
    const send = request.url.startsWith("https:") ? https.request : http.request;
    const finish = (outcome: AttemptOutcome): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    // agent: false = one connection per attempt, so a target server can close without waiting on us.
    const req = send(request.url, { method: request.method, headers: request.headers, agent: false, signal });
    req.on("response", (res) => {
      res.on("error", () => undefined);
      res.resume();
      const retryAfter = res.headers["retry-after"];
      finish({ kind: "response", status: res.statusCode ?? 0, retryAfter });
    });
    req.on("error", (error) => {
      if (request.cancel.aborted) finish({ kind: "cancelled" });
      else if (deadline.signal.aborted) finish({ kind: "timeout" });
      else finish({ kind: "connection-error", message: error.message });
    });
    req.end(request.body.length > 0 ? request.body : undefined);
  });
}

/** google.rpc HTTP→code mapping for Attempt.response_status (502 → INTERNAL was observed). */
const RPC_CODE_BY_HTTP: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 10,
  429: 8,
  499: 1,
  500: 13,
  501: 12,
  502: 13,
  503: 14,
  504: 4,
};

/** Attempt.response_status for an outcome; codes for statuses outside the mapping are the emulator's choice. */
export function responseStatusFor(outcome: AttemptOutcome): { code: number; message: string } {
  switch (outcome.kind) {
    case "response": {
      const s = outcome.status;
      const fallback = s < 300 ? 0 : s < 400 ? 2 : s < 500 ? 9 : 13;
      return { code: RPC_CODE_BY_HTTP[s] ?? fallback, message: s < 300 ? "" : `HTTP status code ${s}` };
    }
    case "timeout":
      return { code: 4, message: "Deadline exceeded while waiting for the HTTP response." };
    case "connection-error":
      return { code: 14, message: outcome.message };
    case "cancelled":
      return { code: 1, message: "Cancelled by the emulator." };
  }
}
