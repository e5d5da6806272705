import { metrics, type Counter, type Gauge, type Histogram, type Meter } from "@opentelemetry/api";
import { METRICS, type MetricDefinition, type MetricKey } from "./metric-definitions.ts";
import { boundedLabels } from "./label-values.ts";
import type { Metrics } from "./metrics.ts";

/** The instrumentation scope of every instrument. */
export const METER_NAME = "genqueue";

/**
 * The {@link Metrics} port on OpenTelemetry: counters, histograms (with the same bucket bounds as
 * prom-client, as explicit-bucket advice) and synchronous gauges from `METRICS`, under their
 * Prometheus names, so Cloud Monitoring (OTLP lands under `prometheus.googleapis.com/…` and is
 * queried with PromQL) and a Prometheus scraping `/metrics` answer the same queries.
 *
 * The meter is the global MeterProvider's, which the preload (`preload.ts`) registers before the
 * function code runs; without one (tests, tools) every instrument is a no-op. Build it once per
 * instance, after the preload, since instruments from the no-op provider stay no-ops.
 */
export function createOtelMetrics(meter: Meter = metrics.getMeter(METER_NAME)): Metrics {
  const counters = new Map<MetricKey, Counter>();
  const histograms = new Map<MetricKey, Histogram>();
  const gauges = new Map<MetricKey, Gauge>();
  for (const key of Object.keys(METRICS) as MetricKey[]) {
    const definition: MetricDefinition = METRICS[key];
    const options = { description: definition.help, unit: definition.unit };
    if (definition.type === "counter") counters.set(key, meter.createCounter(definition.name, options));
    if (definition.type === "gauge") gauges.set(key, meter.createGauge(definition.name, options));
    if (definition.type === "histogram") {
      const advice = { explicitBucketBoundaries: [...(definition.buckets ?? [])] };
      histograms.set(key, meter.createHistogram(definition.name, { ...options, advice }));
    }
  }
  return {
    add(metric, labels, value = 1) {
      if (Number.isFinite(value) && value >= 0)
        counters.get(metric)?.add(value, boundedLabels(metric, labels));
    },
    observe(metric, labels, value) {
      if (Number.isFinite(value)) histograms.get(metric)?.record(value, boundedLabels(metric, labels));
    },
    set(metric, labels, value) {
      if (Number.isFinite(value)) gauges.get(metric)?.record(value, boundedLabels(metric, labels));
    },
  };
}
