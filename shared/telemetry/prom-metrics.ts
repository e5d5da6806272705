import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { TERMINAL_STATUSES } from "../job-state.ts";
import { LABEL_VALUES, METRICS, type MetricDefinition, type MetricKey } from "./metric-definitions.ts";
import { allowedValues, boundedLabels, NO_REASON } from "./label-values.ts";
import type { Labels, Metrics } from "./metrics.ts";

/** The {@link Metrics} port on a prom-client registry, which `GET /metrics` serves. */
export interface PromMetrics extends Metrics {
  registry: Registry;
}

export interface PromMetricsOptions {
  /**
   * Which metrics of `METRICS` get an instrument: `instance` (counters and histograms of what this
   * instance did), `queue-wide` (the gauges computed from shared state) or `all`. A gauge without
   * labels always shows a value in prom-client (0 until set), so an instance registry must not hold
   * the queue-wide gauges, or every instance would report an empty queue. Recording a metric left
   * out does nothing. @defaultValue "all"
   */
  include?: "instance" | "queue-wide" | "all";
  /** Also collect prom-client's process metrics (CPU, memory, event loop, GC). @defaultValue true */
  processMetrics?: boolean;
}

type Instrument = Counter | Gauge | Histogram;

/**
 * A registry of its own per instance (never prom-client's global one, so two runtimes in one process,
 * as in tests, do not share counts) with one instrument per entry of `METRICS` plus the process
 * metrics. Label values are bounded (`label-values.ts`); a value that is not a finite number (or a
 * negative counter increment) is dropped, so recording never throws.
 */
export function createPromMetrics(options: PromMetricsOptions = {}): PromMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) processMetrics(registry);
  const instruments = new Map<MetricKey, Instrument>();
  const include = options.include ?? "all";
  for (const key of Object.keys(METRICS) as MetricKey[]) {
    const queueWide = (METRICS[key] as MetricDefinition).queueWide === true;
    if (include === "all" || queueWide === (include === "queue-wide")) {
      instruments.set(key, instrument(key, registry));
    }
  }
  initialiseCounters(instruments);
  const get = (key: MetricKey) => instruments.get(key);
  return {
    registry,
    add(metric, labels, value = 1) {
      const counter = get(metric);
      if (counter instanceof Counter && Number.isFinite(value) && value >= 0) {
        counter.inc(boundedLabels(metric, labels), value);
      }
    },
    observe(metric, labels, value) {
      const histogram = get(metric);
      if (histogram instanceof Histogram && Number.isFinite(value)) {
        histogram.observe(boundedLabels(metric, labels), value);
      }
    },
    set(metric, labels, value) {
      const gauge = get(metric);
      if (gauge instanceof Gauge && Number.isFinite(value)) gauge.set(boundedLabels(metric, labels), value);
    },
  };
}

/**
 * prom-client's default process metrics, less its gauges named `_total` (`nodejs_active_handles_total`
 * and the like), which break the naming convention (`_total` only on counters) that
 * `promtool check metrics` enforces (the same counts stay, as `nodejs_active_handles` and so on).
 */
function processMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    if (metric instanceof Gauge && metric.name.endsWith("_total")) registry.removeSingleMetric(metric.name);
  }
}

function instrument(key: MetricKey, registry: Registry): Instrument {
  const definition = METRICS[key];
  const common = {
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labels],
    registers: [registry],
  };
  switch (definition.type) {
    case "counter":
      return new Counter(common);
    case "gauge":
      return new Gauge(common);
    case "histogram":
      return new Histogram({ ...common, buckets: [...(definition.buckets ?? [])] });
  }
}

/**
 * Label sets a counter shows at 0 before anything happens, so the first event is an increase that
 * `rate()` and `increase()` can see (a series born at 1 looks flat). Only the sets that can occur;
 * a rejection's reasons are left to appear when they happen.
 */
const INITIAL_SERIES: Partial<Record<MetricKey, readonly Labels[]>> = {
  submissions: ["accepted", "cached", "deduplicated", "replayed"].map((outcome) => ({
    outcome,
    reason: NO_REASON,
  })),
  jobsFinished: product({ operation: allowedValues("jobsFinished", "operation"), status: TERMINAL_STATUSES }),
  attempts: product({
    operation: allowedValues("attempts", "operation"),
    outcome: allowedValues("attempts", "outcome"),
  }),
  pixellabErrors: product({ type: allowedValues("pixellabErrors", "type") }),
  cacheLookups: product({ layer: LABEL_VALUES.layer, result: LABEL_VALUES.result }),
  pixellabUsage: product({ operation: allowedValues("pixellabUsage", "operation") }),
  thresholdCrossings: product({ level: LABEL_VALUES.level }),
};

function initialiseCounters(instruments: Map<MetricKey, Instrument>): void {
  for (const [key, series] of Object.entries(INITIAL_SERIES) as [MetricKey, readonly Labels[]][]) {
    const counter = instruments.get(key);
    if (counter instanceof Counter) for (const labels of series) counter.inc(boundedLabels(key, labels), 0);
  }
}

/** Every combination of the given label values. */
function product(values: Record<string, readonly string[]>): Labels[] {
  return Object.entries(values).reduce<Labels[]>(
    (sets, [label, options]) => sets.flatMap((set) => options.map((value) => ({ ...set, [label]: value }))),
    [{}],
  );
}
