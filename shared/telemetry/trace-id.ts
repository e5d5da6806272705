/**
 * W3C `traceparent` values (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`), read without
 * the OpenTelemetry SDK: the job document stores one, and both the API's view and the browser's
 * Firestore listener turn it into the `traceId` a user can quote. Pure, so the web bundle can use it.
 */

/** The one version this code writes; a reader accepts any version but `ff`, as the W3C spec says. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

/** A parsed `traceparent`. */
export interface Traceparent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** Parses a `traceparent`; undefined for a missing or malformed one (or the invalid all-zero ids). */
export function parseTraceparent(value: string | null | undefined): Traceparent | undefined {
  const match = value?.trim().match(TRACEPARENT);
  if (!match?.[1] || !match[2] || !match[3] || !match[4] || match[1] === "ff") return undefined;
  if (ALL_ZERO.test(match[2]) || ALL_ZERO.test(match[3])) return undefined;
  return { traceId: match[2], spanId: match[3], sampled: (parseInt(match[4], 16) & 1) === 1 };
}

/** Formats a span's ids as a version-00 `traceparent`. */
export function formatTraceparent(parts: Traceparent): string {
  return `00-${parts.traceId}-${parts.spanId}-${parts.sampled ? "01" : "00"}`;
}

/** The trace id a stored `traceparent` names, or null when there is none (jobs made before tracing). */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  return parseTraceparent(traceparent)?.traceId ?? null;
}
