import type { METRICS, MetricKey } from "./metric-definitions.ts";

type OfType<K extends string> = {
  [M in MetricKey]: (typeof METRICS)[M]["type"] extends K ? M : never;
}[MetricKey];

export type CounterKey = OfType<"counter">;
export type HistogramKey = OfType<"histogram">;
export type GaugeKey = OfType<"gauge">;

/** A metric's label values, by label name (each from its bounded list). */
export type Labels = Readonly<Record<string, string>>;

/**
 * Where use-cases record what happened, by metric (definitions in `metric-definitions.ts`). The
 * instance's implementation feeds prom-client (for `GET /metrics`) and the OpenTelemetry meter (for
 * Cloud Monitoring); tests read a recording one. Recording never throws and never waits.
 */
export interface Metrics {
  add(metric: CounterKey, labels: Labels, value?: number): void;
  /** A duration or size in the metric's unit (seconds for `_seconds`). */
  observe(metric: HistogramKey, labels: Labels, value: number): void;
  /** A queue-wide gauge, computed from shared state by whoever reads it (the sweeper, `/metrics`). */
  set(metric: GaugeKey, labels: Labels, value: number): void;
}

/** Records nothing (tools, and tests that do not look). */
export const NO_METRICS: Metrics = { add() {}, observe() {}, set() {} };

/** Sends every record to each of `sinks` (prom-client and OpenTelemetry). */
export function fanOut(...sinks: Metrics[]): Metrics {
  return {
    add: (metric, labels, value) => sinks.forEach((s) => s.add(metric, labels, value)),
    observe: (metric, labels, value) => sinks.forEach((s) => s.observe(metric, labels, value)),
    set: (metric, labels, value) => sinks.forEach((s) => s.set(metric, labels, value)),
  };
}
