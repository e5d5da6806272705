import { QueueApiError } from "./client-errors.ts";
import { toProblem } from "./response-schemas.ts";

/** What every API call needs: where the API is, who the caller is, and how to reach it. */
export interface ApiHttpOptions {
  apiBaseUrl: string;
  getIdToken: () => Promise<string>;
  /** A Firebase App Check token for `X-Firebase-AppCheck`, when the deployment requires one. */
  getAppCheckToken: (() => Promise<string>) | undefined;
  fetch: typeof fetch;
  /** Limit of one request (without a long-poll's hold), in ms. */
  requestTimeoutMs: number;
}

/**
 * A client's HTTP options from what its caller gave: the browser's `fetch` bound to `globalThis`
 * unless another is given (called with the client as `this`, it throws "Illegal invocation"), and
 * a request limit of 30 s unless set.
 */
export function apiHttpOptions(options: {
  apiBaseUrl: string;
  getIdToken: () => Promise<string>;
  getAppCheckToken?: (() => Promise<string>) | undefined;
  fetch?: typeof fetch | undefined;
  requestTimeoutMs?: number | undefined;
}): ApiHttpOptions {
  return {
    apiBaseUrl: options.apiBaseUrl,
    getIdToken: options.getIdToken,
    getAppCheckToken: options.getAppCheckToken,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  };
}

export interface ApiRequest {
  method: "GET" | "POST" | "DELETE";
  /** Path and query, e.g. `/v1/jobs/abc?waitSeconds=20`. */
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Added to `requestTimeoutMs` for a long-poll the server holds on purpose, in ms. @defaultValue 0 */
  holdMs?: number;
}

/**
 * Sends one authenticated request and returns the response when it is 2xx or 304; any other status
 * becomes a {@link QueueApiError} carrying the problem document and `Retry-After`. The request is
 * aborted by the caller's `signal` or after `requestTimeoutMs + holdMs`, whichever comes first.
 */
export async function apiRequest(options: ApiHttpOptions, request: ApiRequest): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await options.getIdToken()}`,
    ...(options.getAppCheckToken && { "x-firebase-appcheck": await options.getAppCheckToken() }),
    ...request.headers,
  };
  if (request.json !== undefined) headers["content-type"] = "application/json";
  const timeout = AbortSignal.timeout(options.requestTimeoutMs + (request.holdMs ?? 0));
  const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
  const response = await options.fetch(joinUrl(options.apiBaseUrl, request.path), {
    method: request.method,
    headers,
    ...(request.json !== undefined && { body: JSON.stringify(request.json) }),
    signal,
  });
  if (response.ok || response.status === 304) return response;
  throw await apiErrorOf(response);
}

async function apiErrorOf(response: Response): Promise<QueueApiError> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page): toProblem keeps the start of the text as the detail.
  }
  const problem = toProblem(response.status, response.statusText, body);
  return new QueueApiError(problem, retryAfterSeconds(response.headers.get("retry-after")));
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Joins a base URL (with or without a trailing slash or a path prefix) and an absolute API path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

/** Reads a JSON body; an empty or non-JSON body is returned as its text for the schema to refuse. */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
