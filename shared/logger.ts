import { destination as pinoDestination, pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** pino's level names → Cloud Logging's `severity` values. */
const SEVERITY: Readonly<Record<string, string>> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/** Field paths whose values are replaced wherever they appear in a log record. */
const REDACT_PATHS = [
  "apiKey",
  "*.apiKey",
  "pixellab.apiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.Authorization",
  "token",
  "*.token",
  "idToken",
];

export interface LoggerOptions {
  level?: "debug" | "info" | "warn" | "error";
  /** Secret values (API keys) scrubbed from every line written (message, fields, errors). */
  secrets?: readonly (string | undefined)[];
  /** Where lines go. @defaultValue stdout */
  destination?: DestinationStream;
}

/**
 * A logger writing one JSON object per line in Cloud Logging's structured format: `severity`,
 * `message`, `time` (RFC 3339) plus the caller's fields (`jobId`, `userId`, `attempt`, ...).
 * Credentials are redacted by field name and by value.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? [])
    .filter((s): s is string => typeof s === "string" && s.length >= 4)
    // Matched in the finished JSON line, where a secret appears in its JSON-escaped form.
    .map((s) => JSON.stringify(s).slice(1, -1));
  return pino(
    {
      level: options.level ?? "info",
      messageKey: "message",
      base: undefined,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      // Scrub the whole line, not only message strings: a secret can also arrive in a field, an
      // error's message or stack, or a child logger's bindings.
      hooks: { streamWrite: (line) => redactSecrets(line, secrets) },
    },
    options.destination ?? pinoDestination(1),
  );
}

/** Replaces every occurrence of each secret in `text`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}

/** A parsed trace context from `X-Cloud-Trace-Context` or W3C `traceparent`. */
export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled: boolean;
}

/**
 * Reads `X-Cloud-Trace-Context: TRACE_ID[/SPAN_ID][;o=1]` (Google front ends) or
 * `traceparent: 00-TRACE_ID-SPAN_ID-FLAGS` (W3C). Returns undefined for absent or malformed headers.
 */
export function parseTraceContext(headers: {
  cloudTrace?: string | undefined;
  traceparent?: string | undefined;
}): TraceContext | undefined {
  const w3c = headers.traceparent?.match(/^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/);
  if (w3c?.[1] && w3c[2] && w3c[3]) {
    return { traceId: w3c[1], spanId: w3c[2], sampled: (parseInt(w3c[3], 16) & 1) === 1 };
  }
  const cloud = headers.cloudTrace?.match(/^([0-9a-fA-F]{32})(?:\/(\d+))?(?:;o=([01]))?$/);
  if (cloud?.[1]) {
    const spanId = cloud[2] === undefined ? undefined : BigInt(cloud[2]).toString(16).padStart(16, "0");
    return { traceId: cloud[1].toLowerCase(), ...(spanId && { spanId }), sampled: cloud[3] === "1" };
  }
  return undefined;
}

/** The fields that make Cloud Logging group a request's lines under its trace. */
export function traceFields(trace: TraceContext | undefined, projectId: string): Record<string, unknown> {
  if (trace === undefined) return {};
  return {
    "logging.googleapis.com/trace": `projects/${projectId}/traces/${trace.traceId}`,
    ...(trace.spanId && { "logging.googleapis.com/spanId": trace.spanId }),
    "logging.googleapis.com/trace_sampled": trace.sampled,
  };
}
