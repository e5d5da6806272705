import { status } from "@grpc/grpc-js";
import type { TaskName } from "./names.ts";
import { invalid, MESSAGES, RpcError } from "./rpc-error.ts";
import { durationToMs, msToDuration, msToTimestamp, timestampToMs, truncateToMicros } from "./wire.ts";
import type { HttpRequestMessage, TaskMessage } from "./wire.ts";

/** How the dispatcher authenticates to the target. */
export type TaskAuth =
  | { kind: "oidc"; serviceAccountEmail: string; audience: string | undefined }
  | { kind: "oauth"; serviceAccountEmail: string; scope: string };

/** A validated HTTP target. */
export interface HttpTarget {
  url: string;
  method: string;
  /** Caller headers, casing kept, plus `User-Agent: Google-Cloud-Tasks` (as production stores them). */
  headers: Record<string, string>;
  body: Buffer;
  auth: TaskAuth | undefined;
}

/** One attempt as Task.first_attempt / last_attempt report it; times are epoch ms. */
export interface AttemptRecord {
  scheduleTimeMs?: number;
  dispatchTimeMs: number;
  responseTimeMs?: number;
  responseStatus?: { code: number; message: string };
}

/** A task held by the emulator, with its output-only counters. */
export interface TaskRecord {
  name: TaskName;
  target: HttpTarget;
  /** When the next attempt is due, epoch ms (µs precision). */
  scheduleTimeMs: number;
  /** Truncated to whole seconds, like production. */
  createTimeMs: number;
  /** Per-attempt deadline in ms, [15 s, 30 min]. @defaultValue 600_000 */
  dispatchDeadlineMs: number;
  /** All dispatches, unanswered ones included. */
  dispatchCount: number;
  /** Attempts that got an HTTP response. */
  responseCount: number;
  /** Attempts that got a non-5xx response: the next attempt's `X-CloudTasks-TaskExecutionCount`. */
  executionCount: number;
  /** HTTP status of the previous attempt (504 for a timeout); `undefined` first or after a connection error. */
  previousResponse: number | undefined;
  firstAttempt: AttemptRecord | undefined;
  lastAttempt: AttemptRecord | undefined;
  /** Attempts of this task in flight (RunTask may overlap a queued attempt). */
  inFlight: number;
  /** Set once deleted, purged or finished: an in-flight attempt's outcome is then ignored. */
  removed: boolean;
}

/** Limits production enforces on tasks. */
export const TASK_LIMITS = {
  /** Task size (body, URL and headers), bytes. */
  maxTaskBytes: 1024 * 1024,
  /** Total size of the caller headers, bytes (production: "less than 80 KB"). */
  maxHeaderBytes: 80 * 1024,
  /** URL length after encoding, characters. */
  maxUrlLength: 2083,
  /** dispatch_deadline range for HTTP targets, ms. */
  minDeadlineMs: 15_000,
  maxDeadlineMs: 30 * 60_000,
  defaultDeadlineMs: 10 * 60_000,
  /** How far ahead schedule_time may be, ms (30 days). */
  maxScheduleAheadMs: 30 * 24 * 3_600_000,
} as const;

const METHODS = new Set(["POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]);
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
const DEFAULT_OAUTH_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

function validateUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`HttpRequest.url "${url}" is not a valid absolute URL.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalid(`HttpRequest.url must start with "http://" or "https://".`);
  }
  if (parsed.href.length > TASK_LIMITS.maxUrlLength) {
    throw invalid(`HttpRequest.url must be at most ${TASK_LIMITS.maxUrlLength} characters after encoding.`);
  }
  return url;
}

function authOf(request: HttpRequestMessage): TaskAuth | undefined {
  if (request.oidcToken) {
    const email = request.oidcToken.serviceAccountEmail ?? "";
    if (email === "") throw invalid("OidcToken.service_account_email is required.");
    return { kind: "oidc", serviceAccountEmail: email, audience: request.oidcToken.audience || undefined };
  }
  if (request.oauthToken) {
    const email = request.oauthToken.serviceAccountEmail ?? "";
    if (email === "") throw invalid("OAuthToken.service_account_email is required.");
    return {
      kind: "oauth",
      serviceAccountEmail: email,
      scope: request.oauthToken.scope || DEFAULT_OAUTH_SCOPE,
    };
  }
  return undefined;
}

function headerBytes(headers: Record<string, string>): number {
  return Object.entries(headers).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
}

/** Validates the HTTP target of a new task (INVALID_ARGUMENT with the emulator's own messages). */
export function validateHttpTarget(request: HttpRequestMessage): HttpTarget {
  const url = validateUrl(request.url ?? "");
  const method =
    request.httpMethod && request.httpMethod !== "HTTP_METHOD_UNSPECIFIED" ? request.httpMethod : "POST";
  if (!METHODS.has(method)) throw invalid(`HttpRequest.http_method "${method}" is not supported.`);
  const body = Buffer.from(request.body ?? new Uint8Array());
  if (body.length > 0 && !BODY_METHODS.has(method)) {
    throw invalid(`HttpRequest.body can only be set for POST, PUT or PATCH requests, not ${method}.`);
  }
  const callerHeaders = { ...(request.headers ?? {}) };
  if (headerBytes(callerHeaders) >= TASK_LIMITS.maxHeaderBytes) {
    throw invalid(`HttpRequest.headers must total less than ${TASK_LIMITS.maxHeaderBytes} bytes.`);
  }
  const taskBytes = body.length + Buffer.byteLength(url) + headerBytes(callerHeaders);
  if (taskBytes > TASK_LIMITS.maxTaskBytes) {
    throw invalid(`Task size ${taskBytes} bytes exceeds the maximum of ${TASK_LIMITS.maxTaskBytes} bytes.`);
  }
  for (const key of Object.keys(callerHeaders)) {
    if (key.toLowerCase() === "user-agent") delete callerHeaders[key];
  }
  return {
    url,
    method,
    headers: { ...callerHeaders, "User-Agent": "Google-Cloud-Tasks" },
    body,
    auth: authOf(request),
  };
}

/** The schedule and deadline of a new task; a past or unset schedule_time becomes now. */
export function validateTiming(
  task: TaskMessage,
  nowMs: number,
): { scheduleTimeMs: number; deadlineMs: number } {
  const deadlineMs = durationToMs(task.dispatchDeadline) ?? TASK_LIMITS.defaultDeadlineMs;
  const deadlineGiven = task.dispatchDeadline !== null && task.dispatchDeadline !== undefined;
  if (deadlineGiven && (deadlineMs < TASK_LIMITS.minDeadlineMs || deadlineMs > TASK_LIMITS.maxDeadlineMs)) {
    throw invalid("Task.dispatch_deadline must be between 15 seconds and 30 minutes for HTTP tasks.");
  }
  const requested = timestampToMs(task.scheduleTime) ?? nowMs;
  if (requested > nowMs + TASK_LIMITS.maxScheduleAheadMs) {
    throw invalid("Task.schedule_time must be at most 30 days in the future.");
  }
  return { scheduleTimeMs: truncateToMicros(Math.max(requested, nowMs)), deadlineMs };
}

/** Exactly one payload: HTTP is dispatched; App Engine targets are refused as unsupported. */
export function requireHttpPayload(task: TaskMessage): HttpRequestMessage {
  if (task.appEngineHttpRequest) {
    throw new RpcError(status.UNIMPLEMENTED, "This emulator dispatches HTTP targets only (no App Engine).");
  }
  if (!task.httpRequest) throw invalid(MESSAGES.payloadNotSet);
  return task.httpRequest;
}

/** The view a request asked for: BASIC unless FULL. */
export type TaskView = "BASIC" | "FULL";
export const viewOf = (requested: string | null | undefined): TaskView =>
  requested === "FULL" ? "FULL" : "BASIC";

function attemptMessage(a: AttemptRecord | undefined, full: boolean): Record<string, unknown> | undefined {
  if (a === undefined) return undefined;
  if (!full) return { dispatchTime: msToTimestamp(a.dispatchTimeMs) };
  return {
    scheduleTime: a.scheduleTimeMs === undefined ? undefined : msToTimestamp(a.scheduleTimeMs),
    dispatchTime: msToTimestamp(a.dispatchTimeMs),
    responseTime: a.responseTimeMs === undefined ? undefined : msToTimestamp(a.responseTimeMs),
    responseStatus: a.responseStatus,
  };
}

/** The Task message; BASIC omits the body, both views keep the headers. */
export function taskToMessage(task: TaskRecord, view: TaskView): Record<string, unknown> {
  const t = task.target;
  const auth =
    t.auth?.kind === "oidc"
      ? { oidcToken: { serviceAccountEmail: t.auth.serviceAccountEmail, audience: t.auth.audience ?? "" } }
      : t.auth?.kind === "oauth"
        ? { oauthToken: { serviceAccountEmail: t.auth.serviceAccountEmail, scope: t.auth.scope } }
        : {};
  return {
    name: task.name.full,
    httpRequest: {
      url: t.url,
      httpMethod: t.method,
      headers: t.headers,
      body: view === "FULL" ? t.body : Buffer.alloc(0),
      ...auth,
    },
    scheduleTime: msToTimestamp(task.scheduleTimeMs),
    createTime: msToTimestamp(task.createTimeMs),
    dispatchDeadline: msToDuration(task.dispatchDeadlineMs),
    dispatchCount: task.dispatchCount,
    responseCount: task.responseCount,
    firstAttempt: attemptMessage(task.firstAttempt, false),
    lastAttempt: attemptMessage(task.lastAttempt, true),
    view,
  };
}
