import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../shared/telemetry/metric-definitions.ts";
import { createOtelMetrics, METER_NAME } from "../../shared/telemetry/otel-metrics.ts";

/** A reader the test collects from on demand (the SDK's own pull path, no exporter). */
class PullReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

async function collected() {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = createOtelMetrics(provider.getMeter(METER_NAME));
  const read = async (): Promise<MetricData[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  };
  return { metrics, read };
}

describe("the OpenTelemetry instruments", () => {
  it("carry the Prometheus names, units and help of METRICS", async () => {
    const { metrics, read } = await collected();
    metrics.add("submissions", { outcome: "accepted", reason: "none" });
    metrics.observe("jobWait", { operation: "rotate" }, 1);
    metrics.set("deadLetters", {}, 2);
    const byName = new Map((await read()).map((m) => [m.descriptor.name, m]));
    for (const key of ["submissions", "jobWait", "deadLetters"] as const) {
      const definition = METRICS[key];
      expect(byName.get(definition.name)?.descriptor).toMatchObject({
        unit: definition.unit,
        description: definition.help,
      });
    }
  });

  it("bound label values and use the defined buckets as explicit bucket advice", async () => {
    const { metrics, read } = await collected();
    metrics.observe("jobEndToEnd", { operation: "not-an-operation", cached: "false", userId: "u1" }, 0.3);
    const histogram = (await read()).find((m) => m.descriptor.name === METRICS.jobEndToEnd.name) as
      HistogramMetricData | undefined;
    expect(histogram?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const point = histogram?.dataPoints[0];
    expect(point?.attributes).toEqual({ operation: "other", cached: "false" });
    expect(point?.value.buckets.boundaries).toEqual(METRICS.jobEndToEnd.buckets);
    expect(point?.value.count).toBe(1);
  });

  it("add counters, keep the last gauge value, and drop what is not a finite number", async () => {
    const { metrics, read } = await collected();
    metrics.add("pixellabUsage", { operation: "rotate" }, 0.01);
    metrics.add("pixellabUsage", { operation: "rotate" }, 0.02);
    metrics.add("pixellabUsage", { operation: "rotate" }, Number.NaN);
    metrics.set("jobs", { status: "queued" }, 5);
    metrics.set("jobs", { status: "queued" }, 3);
    const data = await read();
    const value = (name: string) => data.find((m) => m.descriptor.name === name)?.dataPoints[0]?.value;
    expect(value(METRICS.pixellabUsage.name)).toBeCloseTo(0.03);
    expect(value(METRICS.jobs.name)).toBe(3);
  });
});
