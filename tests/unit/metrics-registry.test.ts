import { describe, expect, it } from "vitest";
import { createInstanceMetrics } from "../../shared/telemetry/instance-metrics.ts";
import { METRICS, type MetricKey } from "../../shared/telemetry/metric-definitions.ts";
import { createPromMetrics } from "../../shared/telemetry/prom-metrics.ts";
import type { Registry } from "prom-client";
import { sampleValue } from "../harness/metrics-text.ts";

const sample = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  sampleValue(await registry.metrics(), name, labels);

const definitions = Object.values(METRICS);

describe("the prom-client registry", () => {
  it("exposes every defined metric with its type and help", async () => {
    const text = await createPromMetrics({ processMetrics: false }).registry.metrics();
    for (const definition of definitions) {
      expect(text).toContain(`# HELP ${definition.name} ${definition.help}\n`);
      expect(text).toContain(`# TYPE ${definition.name} ${definition.type}\n`);
    }
  });

  it("adds prom-client's process metrics unless told not to", async () => {
    expect(await createPromMetrics().registry.metrics()).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(await createPromMetrics({ processMetrics: false }).registry.metrics()).not.toContain("process_");
  });

  it("observes histograms into the defined buckets", async () => {
    const prom = createPromMetrics({ processMetrics: false });
    prom.observe("jobWait", { operation: "rotate" }, 0.3);
    const text = await prom.registry.metrics();
    const bounds = [
      ...text.matchAll(/genqueue_job_wait_seconds_bucket\{le="([^"]+)",operation="rotate"\}/g),
    ].map((m) => m[1]);
    expect(bounds).toEqual([...(METRICS.jobWait.buckets ?? []).map(String), "+Inf"]);
    expect(
      await sample(prom.registry, "genqueue_job_wait_seconds_bucket", { le: "0.25", operation: "rotate" }),
    ).toBe(0);
    expect(
      await sample(prom.registry, "genqueue_job_wait_seconds_bucket", { le: "0.5", operation: "rotate" }),
    ).toBe(1);
    expect(await sample(prom.registry, "genqueue_job_wait_seconds_count", { operation: "rotate" })).toBe(1);
  });

  const records: {
    name: string;
    record: (p: ReturnType<typeof createPromMetrics>) => void;
    metric: MetricKey;
    labels: Record<string, string>;
    value: number | undefined;
  }[] = [
    {
      name: "a counter adds 1 by default",
      record: (p) => p.add("submissions", { outcome: "accepted", reason: "none" }),
      metric: "submissions",
      labels: { outcome: "accepted", reason: "none" },
      value: 1,
    },
    {
      name: "a counter adds a given amount (USD)",
      record: (p) => p.add("pixellabUsage", { operation: "rotate" }, 0.25),
      metric: "pixellabUsage",
      labels: { operation: "rotate" },
      value: 0.25,
    },
    {
      name: "an unbounded label value is counted under other",
      record: (p) => p.add("pixellabErrors", { type: "a user's prompt" }),
      metric: "pixellabErrors",
      labels: { type: "other" },
      value: 1,
    },
    {
      name: "a negative increment is dropped",
      record: (p) => p.add("thresholdCrossings", { level: "warning" }, -1),
      metric: "thresholdCrossings",
      labels: { level: "warning" },
      value: 0,
    },
    {
      name: "NaN is dropped",
      record: (p) => p.observe("jobProcessing", { operation: "rotate" }, Number.NaN),
      metric: "jobProcessing",
      labels: { operation: "rotate" },
      value: undefined,
    },
    {
      name: "a gauge is set",
      record: (p) => p.set("jobs", { status: "retry-wait" }, 7),
      metric: "jobs",
      labels: { status: "retry-wait" },
      value: 7,
    },
  ];

  it.each(records)("$name", async ({ record, metric, labels, value }) => {
    const prom = createPromMetrics({ processMetrics: false });
    record(prom);
    const suffix = METRICS[metric].type === "histogram" ? "_count" : "";
    expect(await sample(prom.registry, METRICS[metric].name + suffix, labels)).toBe(value);
  });

  it("shows the counters' possible series at 0 before anything happens", async () => {
    const { registry } = createPromMetrics({ processMetrics: false });
    const zero = (name: string, labels: Record<string, string>) => sample(registry, name, labels);
    expect(await zero("genqueue_attempts_total", { operation: "rotate", outcome: "lease-lost" })).toBe(0);
    expect(await zero("genqueue_jobs_finished_total", { operation: "rotate", status: "failed" })).toBe(0);
    expect(
      await zero("genqueue_jobs_finished_total", { operation: "rotate", status: "queued" }),
    ).toBeUndefined();
    expect(await zero("genqueue_cache_lookups_total", { layer: "redis", result: "error" })).toBe(0);
    expect(await zero("genqueue_queue_threshold_crossings_total", { level: "critical" })).toBe(0);
    expect(
      await zero("genqueue_submissions_total", { outcome: "rejected", reason: "queue-full" }),
    ).toBeUndefined();
  });

  it.each([
    { include: "instance" as const, has: "genqueue_attempts_total", lacks: "genqueue_dead_letters" },
    { include: "queue-wide" as const, has: "genqueue_dead_letters", lacks: "genqueue_attempts_total" },
  ])("holds only the $include metrics when asked", async ({ include, has, lacks }) => {
    const prom = createPromMetrics({ include, processMetrics: false });
    prom.set("deadLetters", {}, 3);
    prom.add("attempts", { operation: "rotate", outcome: "completed" });
    const text = await prom.registry.metrics();
    expect(text).toContain(`# TYPE ${has} `);
    expect(text).not.toContain(lacks);
  });

  it("keeps each instance's counts apart", async () => {
    const a = createPromMetrics({ processMetrics: false });
    const b = createPromMetrics({ processMetrics: false });
    a.add("thresholdCrossings", { level: "warning" });
    expect(await sample(b.registry, "genqueue_queue_threshold_crossings_total", { level: "warning" })).toBe(
      0,
    );
  });
});

describe("an instance's metrics", () => {
  it("send counters and histograms to prom-client, and queue-wide gauges to OpenTelemetry only", async () => {
    const { metrics, prometheus } = createInstanceMetrics({ processMetrics: false });
    metrics.add("attempts", { operation: "rotate", outcome: "completed" });
    metrics.observe("jobEndToEnd", { operation: "rotate", cached: "false" }, 2);
    metrics.set("jobs", { status: "queued" }, 4);
    const { registry } = prometheus;
    expect(
      await sample(registry, "genqueue_attempts_total", { operation: "rotate", outcome: "completed" }),
    ).toBe(1);
    expect(
      await sample(registry, "genqueue_job_end_to_end_seconds_sum", { operation: "rotate", cached: "false" }),
    ).toBe(2);
    expect(await sample(registry, "genqueue_jobs", { status: "queued" })).toBeUndefined();
  });
});
