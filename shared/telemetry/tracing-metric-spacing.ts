import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";

/**
 * A metric exporter that sends at most one batch per `minSpacingMs` and drops the batches in
 * between (they report success). The functions flush telemetry before every answer, and Cloud
 * Monitoring refuses a second point of a series within 5 s, so without this a busy instance would
 * have most of its writes rejected. With cumulative temporality a dropped batch loses nothing: the
 * next one carries the same totals, later. The last dropped batch is sent on shutdown, so an
 * instance that stops cleanly reports its final totals.
 */
export function spacedMetricExporter(
  inner: PushMetricExporter,
  minSpacingMs: number,
  now: () => number = Date.now,
): PushMetricExporter & { dropped(): number } {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let held: ResourceMetrics | undefined;
  let droppedCount = 0;
  return {
    export(batch: ResourceMetrics, done: (result: ExportResult) => void): void {
      if (now() - lastSentAt < minSpacingMs) {
        held = batch;
        droppedCount += 1;
        done({ code: ExportResultCode.SUCCESS });
        return;
      }
      lastSentAt = now();
      held = undefined;
      inner.export(batch, done);
    },
    forceFlush: () => inner.forceFlush(),
    async shutdown(): Promise<void> {
      const last = held;
      held = undefined;
      if (last !== undefined) await new Promise<void>((resolve) => inner.export(last, () => resolve()));
      await inner.shutdown();
    },
    ...(inner.selectAggregationTemporality && {
      selectAggregationTemporality: inner.selectAggregationTemporality.bind(inner),
    }),
    ...(inner.selectAggregation && { selectAggregation: inner.selectAggregation.bind(inner) }),
    /** How many batches were dropped for coming too soon (for tests and the benchmark). */
    dropped: () => droppedCount,
  };
}
