import {
  context,
  isSpanContextValid,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent } from "./trace-id.ts";

/**
 * The small tracing vocabulary the functions and use-cases speak. It uses only `@opentelemetry/api`:
 * without an SDK (tests, `OTEL_SDK_DISABLED=true`) every call here is a cheap no-op, and with one
 * (`preload.ts`) the same calls record spans.
 */

/** The instrumentation scope of every span the queue's own code starts. */
export const TRACER_NAME = "genqueue";

/**
 * The task header that carries the submit's trace context to `processJob`. Cloud Run replaces an
 * incoming `traceparent` with its own, so the job's context travels in a header of ours (and on the
 * job document, for the tasks a retry, a sweeper rescue or a replay creates later).
 */
export const TRACEPARENT_HEADER = "X-Genqueue-Traceparent";

/**
 * How long a function waits for its telemetry to leave before it answers, in ms. CPU is throttled
 * once the response is sent, so whatever is still buffered then may wait for the next request.
 */
export const TELEMETRY_FLUSH_MS = 300;

export interface SpanOptions {
  kind?: SpanKind;
  /** The parent context. @defaultValue the active context */
  parent?: Context;
  /** Spans this one relates to without descending from them. */
  links?: Link[];
}

/**
 * Runs `fn` inside a new active span named `name` and ends the span when `fn` settles. A thrown
 * error is recorded on the span (status ERROR) and rethrown unchanged.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes, links: options.links ?? [] },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        markFailed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Adds attributes to the active span (none is active without an SDK: then nothing happens). */
export function annotateSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Records `error` on `span` and sets its status to ERROR. */
export function markFailed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The active span as a `traceparent`, or null when no valid span is active (no SDK, no span). */
export function currentTraceparent(): string | null {
  const span = trace.getActiveSpan()?.spanContext();
  if (span === undefined || !isSpanContextValid(span)) return null;
  const sampled = (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  return formatTraceparent({ traceId: span.traceId, spanId: span.spanId, sampled });
}

/**
 * A context whose (remote) parent span is the one a stored `traceparent` names, or undefined for a
 * missing or malformed value. It starts from the root context: the span that continues a job must
 * not inherit whatever trace the delivering request happened to carry.
 */
export function contextFromTraceparent(traceparent: string | null | undefined): Context | undefined {
  const parsed = parseTraceparent(traceparent);
  if (parsed === undefined) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

interface Flushable {
  forceFlush(): Promise<unknown>;
}

function isFlushable(value: unknown): value is Flushable {
  return typeof (value as Partial<Flushable> | null)?.forceFlush === "function";
}

/** The registered SDK providers that can flush (the global tracer provider is a proxy around one). */
function flushables(): Flushable[] {
  const tracerProvider = trace.getTracerProvider() as unknown as { getDelegate?: () => unknown };
  const delegate = tracerProvider.getDelegate?.() ?? tracerProvider;
  return [delegate, metrics.getMeterProvider()].filter(isFlushable);
}

/**
 * Sends what the tracer and meter providers hold, waiting at most `maxMs`; resolves (never rejects)
 * when they are done or the time is up, whichever comes first. An export still running then goes
 * on in the background. Without an SDK it resolves at once.
 */
export async function flushTelemetry(maxMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const flushing = flushables().map((p) => Promise.resolve(p.forceFlush()).catch(() => undefined));
    if (flushing.length === 0) return;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
      timer.unref();
    });
    await Promise.race([Promise.all(flushing), bound]);
  } catch {
    // forceFlush threw synchronously: telemetry must never fail the request.
  } finally {
    clearTimeout(timer);
  }
}
