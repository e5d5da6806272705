import { classifyHttpStatus, classifyThrown, parseRetryAfter } from "../error-classifier.ts";
import { JobError, type FieldProblem } from "../errors.ts";

/** Longest upstream text quoted in an error message, in characters; bodies can be whole HTML pages. */
const MAX_QUOTED_CHARS = 300;

/** An HTTP answer PixelLab gave instead of a usable result. */
export interface HttpFailure {
  status: number;
  /** The raw response body (JSON or not). */
  bodyText: string;
  /** The `Retry-After` header value, when sent. */
  retryAfter: string | null;
  /** Epoch ms, to turn an HTTP-date `Retry-After` into a delay. */
  nowMs: number;
  /** The key to scrub from any quoted text, so it can never reach a log line or a job document. */
  apiKey: string;
}

/**
 * Maps a non-2xx PixelLab answer to a {@link JobError}: the type from the status (401/403
 * authentication, 402 quota, 400/422 validation, 429/529 rate_limit, 5xx upstream), `Retry-After` in
 * ms when sent, and FastAPI's `detail` list kept as field problems. Pure.
 */
export function errorFromHttp(failure: HttpFailure): JobError {
  const body = parseJson(failure.bodyText);
  const details = detailProblems(body);
  const summary = errorSummary(body, failure.bodyText, details);
  const message = redact(`PixelLab answered HTTP ${failure.status}: ${summary}`, failure.apiKey);
  const retryAfterMs = parseRetryAfter(failure.retryAfter, failure.nowMs);
  return new JobError({
    type: classifyHttpStatus(failure.status),
    message,
    status: failure.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    details: details.map((d) => ({
      path: redact(d.path, failure.apiKey),
      message: redact(d.message, failure.apiKey),
    })),
  });
}

/**
 * Maps what `fetch` threw to a {@link JobError}. An abort of the caller's signal (or of our own
 * per-request timeout) is a `timeout`, whatever the abort reason was; socket failures are `network`.
 */
export function errorFromThrown(error: unknown, aborted: boolean, apiKey: string, what: string): JobError {
  const type = aborted ? "timeout" : classifyThrown(error);
  const reason = error instanceof Error ? describeError(error) : String(error);
  const verb = aborted ? "was aborted (deadline or cancellation)" : "failed";
  // The cause (undici's socket error) is kept for debugging: it carries codes and addresses, never
  // request headers, so it cannot leak the key.
  return new JobError({ type, message: redact(`PixelLab ${what} ${verb}: ${reason}`, apiKey), cause: error });
}

/** A 200 we cannot use (bad JSON, bad image): PixelLab's fault, worth retrying. */
export function malformedResponse(what: string, problem: string, apiKey: string, status = 200): JobError {
  return new JobError({ type: "upstream", status, message: redact(`PixelLab ${what}: ${problem}`, apiKey) });
}

/** Removes every occurrence of the key (and any `Bearer` token) from `text`. */
export function redact(text: string, apiKey: string): string {
  const withoutKey = apiKey.length > 0 ? text.split(apiKey).join("[redacted]") : text;
  return withoutKey.replace(/Bearer\s+[^\s"',]+/gi, "Bearer [redacted]");
}

/** FastAPI 422 `detail: [{loc, msg, type}]` → field problems; `loc` drops its leading "body". */
export function detailProblems(body: unknown): FieldProblem[] {
  if (!isRecord(body) || !Array.isArray(body.detail)) return [];
  return body.detail.filter(isRecord).map((entry) => {
    const loc = Array.isArray(entry.loc) ? entry.loc.map(String) : [];
    const path = (loc[0] === "body" ? loc.slice(1) : loc).join(".") || "(body)";
    const msg = typeof entry.msg === "string" ? entry.msg : "invalid";
    const kind = typeof entry.type === "string" ? ` (${entry.type})` : "";
    return { path, message: `${msg}${kind}` };
  });
}

function errorSummary(body: unknown, bodyText: string, details: readonly FieldProblem[]): string {
  if (details.length > 0) return details.map((d) => `${d.path}: ${d.message}`).join("; ");
  // Every SDK reads `.detail`; the JS SDK falls back to `.message` (reference §4).
  if (isRecord(body) && typeof body.detail === "string") return clip(body.detail);
  if (isRecord(body) && typeof body.message === "string") return clip(body.message);
  return bodyText.trim() === "" ? "(empty body)" : clip(bodyText.trim());
}

function describeError(error: Error): string {
  const code = isRecord(error.cause) && typeof error.cause.code === "string" ? ` (${error.cause.code})` : "";
  return `${error.name}: ${error.message}${code}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
