import type { Meter } from "@opentelemetry/api";
import { fanOut, type Metrics } from "./metrics.ts";
import { createOtelMetrics } from "./otel-metrics.ts";
import { createPromMetrics, type PromMetrics } from "./prom-metrics.ts";

/** One instance's metrics: what use-cases record through, and the registry `GET /metrics` serves. */
export interface InstanceMetrics {
  /** `deps.metrics`. */
  metrics: Metrics;
  /** This instance's prom-client registry: its counters, histograms and process metrics. */
  prometheus: PromMetrics;
}

/**
 * Built once per instance (cold start). Counters and histograms go to both prom-client and
 * OpenTelemetry. Queue-wide gauges recorded through `metrics.set` (the sweeper, once per run) go to
 * OpenTelemetry only: Prometheus gets them from `api`'s `/metrics`, computed when scraped, and a
 * copy from the sweeper's instance, up to a minute old, would only be a staler duplicate series.
 */
export function createInstanceMetrics(
  options: { meter?: Meter; processMetrics?: boolean } = {},
): InstanceMetrics {
  const prometheus = createPromMetrics({
    include: "instance",
    processMetrics: options.processMetrics ?? true,
  });
  const otel = createOtelMetrics(options.meter);
  const both = fanOut(prometheus, otel);
  return { prometheus, metrics: { add: both.add, observe: both.observe, set: otel.set } };
}
