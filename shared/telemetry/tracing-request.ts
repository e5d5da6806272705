import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
} from "@opentelemetry/api";
import { flushTelemetry, markFailed, TELEMETRY_FLUSH_MS, TRACER_NAME } from "./spans.ts";

/** What a request span needs of the request (the Functions Framework's Express request has it). */
export interface TracedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * Serves one HTTP request inside a SERVER span named `name`, continuing the caller's W3C
 * `traceparent` (behind Cloud Run, the front end's own span). The span ends, and the telemetry is
 * flushed (at most {@link TELEMETRY_FLUSH_MS}), when the handler first ends the response and before
 * the response actually goes out: after it the CPU is throttled, and a span still open then would
 * wait for the next request to be sent, or be lost with the instance.
 */
export async function inRequestSpan(
  req: TracedRequest,
  res: ServerResponse,
  name: string,
  handle: (span: Span) => Promise<void>,
): Promise<void> {
  const parent = propagation.extract(context.active(), req.headers);
  const attributes = { "http.request.method": req.method, "url.path": req.path };
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    span.setAttribute("http.response.status_code", res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  holdAnswer(res, async () => {
    finish();
    await flushTelemetry(TELEMETRY_FLUSH_MS);
  });
  try {
    await context.with(trace.setSpan(parent, span), () => handle(span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    finish(); // a handler that returned without answering
  }
}

/**
 * Makes the first `res.end(...)` run `before` and only then end the response for real. Later
 * calls are ignored: the first answer is the one that goes out. `res.end` is what Express's
 * `send`, `json` and `end` all come down to, so every route is covered without touching it.
 */
export function holdAnswer(res: ServerResponse, before: () => Promise<void>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let held = false;
  res.end = ((...args: unknown[]) => {
    if (held) return res;
    held = true;
    void before()
      .catch(() => undefined)
      .finally(() => end(...args));
    return res;
  }) as ServerResponse["end"];
}

/**
 * A link to the span a request's W3C `traceparent` names (behind Cloud Run, its own request span),
 * or none: for a span whose parent is something else (an attempt continues its job's trace), so the
 * request's log entry in Cloud Logging still leads to it.
 */
export function callerLinks(headers: IncomingHttpHeaders): Link[] {
  const caller = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers));
  return caller === undefined || !trace.isSpanContextValid(caller) ? [] : [{ context: caller }];
}
