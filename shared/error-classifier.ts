import { isJobError, type ErrorType } from "./errors.ts";

/**
 * What went wrong, as the transport saw it. The classifier turns each into one {@link ErrorType};
 * anything it does not recognise is still classified (as `upstream` or `network`), never dropped.
 */
export type FailureSignal =
  | { kind: "http"; status: number }
  | { kind: "network"; code?: string | undefined }
  | { kind: "abort" }
  | { kind: "malformed" }
  | { kind: "unknown"; error: unknown };

/** Socket-level codes that mean a deadline passed, not that the peer was unreachable. */
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Maps an HTTP status from PixelLab to an error type. */
export function classifyHttpStatus(status: number): ErrorType {
  if (status === 401 || status === 403) return "authentication";
  if (status === 402) return "quota";
  if (status === 429 || status === 529) return "rate_limit";
  if (status === 408 || status === 504) return "timeout";
  // 423 Locked and 425 Too Early mean "not ready yet": PixelLab answers 423 while a result is
  // still being generated, so waiting and asking again is the right reaction.
  if (status === 423 || status === 425) return "upstream";
  if (status >= 500) return "upstream";
  // Every other 4xx (400, 404, 409, 413, 422, ...) says the request itself is wrong.
  if (status >= 400) return "validation";
  // A 1xx/2xx/3xx reaching the classifier was not a usable answer (for example a redirect we do not
  // follow, or a 200 that could not be used): PixelLab's fault.
  return "upstream";
}

/** Maps any failure signal to an error type. */
export function classifyFailure(signal: FailureSignal): ErrorType {
  switch (signal.kind) {
    case "http":
      return classifyHttpStatus(signal.status);
    case "abort":
      return "timeout";
    case "malformed":
      return "upstream";
    case "network":
      return signal.code !== undefined && TIMEOUT_CODES.has(signal.code) ? "timeout" : "network";
    case "unknown":
      return classifyThrown(signal.error);
  }
}

/** Classifies something a fetch or socket threw: aborts, Node/undici error codes, else `network`. */
export function classifyThrown(error: unknown): ErrorType {
  if (isJobError(error)) return error.type; // already classified where more was known
  if (!(error instanceof Error)) return "upstream";
  if (error.name === "AbortError" || error.name === "TimeoutError") return "timeout";
  const code = errorCode(error) ?? errorCode(error.cause);
  if (code !== undefined) return classifyFailure({ kind: "network", code });
  // fetch() reports socket failures as TypeError("fetch failed") with the code on `cause`.
  if (error.name === "TypeError" && error.message === "fetch failed") return "network";
  return "upstream";
}

function errorCode(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("code" in value)) return undefined;
  const code = (value as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Parses an HTTP `Retry-After` value (delta-seconds or an HTTP date) into ms from `nowMs`.
 * Returns undefined for a missing or unparseable value; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
