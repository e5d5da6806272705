import { SpanKind } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { flushTelemetry, inSpan, TELEMETRY_FLUSH_MS } from "../../../shared/telemetry/spans.ts";
import { startTelemetry } from "../../../shared/telemetry/tracing-sdk.ts";
import { summarise, type Summary } from "../bench/stats.ts";

export interface FlushCost {
  /** How long `flushTelemetry(TELEMETRY_FLUSH_MS)` took after one request's spans, in ms. */
  flushMs: Summary;
  /** Flushes that hit the bound (the export was still running when the request would answer). */
  bounded: number;
}

/**
 * `flushTelemetry` measured in this process, as a function calls it before answering: the SDK
 * exporting OTLP/HTTP JSON through a batch processor to `endpoint`, a request's worth of spans
 * (a server span and five children) recorded before each flush. Starts the SDK globally: run it
 * last, in a process that needs no other tracing.
 */
export async function measureFlush(endpoint: string, rounds: number): Promise<FlushCost> {
  const telemetry = startTelemetry({
    serviceName: "telemetry-cost",
    detectGcp: false,
    instrumentations: [],
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }),
    ],
  });
  const flushMs: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      await inSpan(
        "POST /v1/jobs",
        { round: i },
        async () => {
          for (let child = 0; child < 5; child++) await inSpan("child", {}, async () => undefined);
        },
        { kind: SpanKind.SERVER },
      );
      const started = performance.now();
      await flushTelemetry(TELEMETRY_FLUSH_MS);
      flushMs.push(performance.now() - started);
    }
  } finally {
    await telemetry.shutdown();
  }
  return { flushMs: summarise(flushMs), bounded: flushMs.filter((ms) => ms >= TELEMETRY_FLUSH_MS).length };
}
