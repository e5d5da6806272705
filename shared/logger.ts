import { isSpanContextValid, trace, TraceFlags } from "@opentelemetry/api";
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

/** The fields Cloud Logging reads to show a line under its trace and span. */
export const TRACE_FIELD = "logging.googleapis.com/trace";
export const SPAN_FIELD = "logging.googleapis.com/spanId";
export const SAMPLED_FIELD = "logging.googleapis.com/trace_sampled";

export interface LoggerOptions {
  level?: "debug" | "info" | "warn" | "error";
  /** Secret values (API keys) scrubbed from every line written (message, fields, errors). */
  secrets?: readonly (string | undefined)[];
  /**
   * The GCP project trace ids belong to (`projects/P/traces/T`). Without it lines carry no trace
   * fields. @defaultValue undefined
   */
  projectId?: string;
  /** Where lines go. @defaultValue stdout */
  destination?: DestinationStream;
}

/**
 * A logger writing one JSON object per line in Cloud Logging's structured format: `severity`,
 * `message`, `time` (RFC 3339) plus the caller's fields (`jobId`, `userId`, `attempt`, ...). A line
 * written while an OpenTelemetry span is active carries that span's trace fields. Credentials are
 * redacted by field name and by value. No line repeats a key: a call's field wins over a child
 * logger's binding of the same name (Cloud Logging, like `JSON.parse`, would keep one of them
 * anyway, and which one is not specified).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? [])
    .filter((s): s is string => typeof s === "string" && s.length >= 4)
    // Matched in the finished JSON line, where a secret appears in its JSON-escaped form.
    .map((s) => JSON.stringify(s).slice(1, -1));
  const { projectId } = options;
  return pino(
    {
      level: options.level ?? "info",
      messageKey: "message",
      base: undefined,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      ...(projectId !== undefined && { mixin: () => activeTraceFields(projectId) }),
      // Scrub the whole line, not only message strings: a secret can also arrive in a field, an
      // error's message or stack, or a child logger's bindings.
      hooks: { streamWrite: (line) => redactSecrets(withUniqueKeys(line), secrets) },
    },
    options.destination ?? pinoDestination(1),
  );
}

/** Replaces every occurrence of each secret in `text`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}

/**
 * The line with each key once (the last value kept, as `JSON.parse` does). pino writes a child's
 * bindings and the call's fields side by side, so `child({jobId}).info({jobId}, …)` would
 * otherwise repeat `jobId`. A line that is not JSON is left as it is.
 */
export function withUniqueKeys(line: string): string {
  const body = line.trimEnd();
  try {
    return `${JSON.stringify(JSON.parse(body))}${line.slice(body.length)}`;
  } catch {
    return line;
  }
}

/** The active span's Cloud Logging trace fields, or none when no valid span is active. */
export function activeTraceFields(projectId: string): Record<string, unknown> {
  const span = trace.getActiveSpan()?.spanContext();
  if (span === undefined || !isSpanContextValid(span)) return {};
  return {
    [TRACE_FIELD]: `projects/${projectId}/traces/${span.traceId}`,
    [SPAN_FIELD]: span.spanId,
    [SAMPLED_FIELD]: (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
  };
}
