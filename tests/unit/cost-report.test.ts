import { describe, expect, it } from "vitest";
import type { BenchOperations } from "../tools/cost/bench-report.ts";
import type { PathOps } from "../tools/cost/cost-model.ts";
import { parseCostArgs, type CostOptions } from "../tools/cost/cost-options.ts";
import { buildCostReport } from "../tools/cost/cost-report.ts";
import { formatCostReport } from "../tools/cost/cost-table.ts";
import { PRICES } from "../tools/cost/prices.ts";
import type { TerraformSizing } from "../tools/cost/terraform-sizing.ts";

const MISS: PathOps = {
  jobs: 300,
  firestoreReads: 14,
  clientReads: 0,
  firestoreWrites: 11,
  firestoreDeletes: 1,
  tasks: 1,
  pixellabCalls: 1,
  pubsubMessages: 3,
  apiRequests: 1,
  apiMs: 85,
  handlerDeliveries: 1,
  handlerMs: 140,
  storedBytes: 9_000,
};
const HIT: PathOps = { ...MISS, tasks: 0, pixellabCalls: 0, handlerDeliveries: 0, handlerMs: 0 };

const BENCH: BenchOperations = {
  file: "sample.json",
  operations: { cacheMiss: MISS, cacheHit: HIT, dedup: HIT },
  benchPixellabLatencyMs: 40,
  queueConcurrency: 10,
  maxDispatchesPerSecond: 20,
};

/** terraform/'s defaults as they read when this test was written. */
const SIZING: TerraformSizing = {
  api: { vcpu: 1, memoryGiB: 1, concurrency: 5 },
  processJob: { vcpu: 1, memoryGiB: 0.5, concurrency: 5 },
  apiMaxInstances: 40,
  processJobMaxInstances: 4,
  tasksMaxConcurrent: 10,
  cacheTtlDays: 30,
  expectedJobMs: 30_000,
  enableRedis: false,
  redis: { memoryGb: 1, connectorInstances: 2 },
};

const options = (...argv: string[]) => parseCostArgs(argv) as CostOptions;

describe("buildCostReport", () => {
  it.each([
    {
      name: "defaults come from terraform and the benchmark",
      argv: [],
      latency: 30_000,
      concurrency: 5,
      redis: false,
      retention: 30,
    },
    {
      name: "flags override them",
      argv: [
        "--pixellab-latency-ms",
        "5000",
        "--process-job-concurrency",
        "20",
        "--tasks-max-concurrent",
        "100",
        "--redis",
        "--retention-days",
        "7",
      ],
      latency: 5_000,
      concurrency: 20,
      redis: true,
      retention: 7,
    },
    {
      name: "no instance holds more deliveries than the queue runs at once",
      argv: ["--process-job-concurrency", "20", "--tasks-max-concurrent", "10"],
      latency: 30_000,
      concurrency: 10,
      redis: false,
      retention: 30,
    },
  ])("$name", ({ argv, latency, concurrency, redis, retention }) => {
    const report = buildCostReport(BENCH, SIZING, options(...argv), PRICES);
    expect(report.assumptions.pixellabLatencyMs).toBe(latency);
    expect(report.assumptions.benchPixellabLatencyMs).toBe(40);
    expect(report.assumptions.retentionDays).toBe(retention);
    expect(report.deployment.processJob.concurrency).toBe(concurrency);
    expect(report.deployment.redis !== undefined).toBe(redis);
    expect(report.paths.cacheMiss.instanceSeconds.pixellabWait).toBeCloseTo(latency / 1000 / concurrency, 12);
  });

  it("prints every path's lines and total, the waiting figure and the assumptions", () => {
    const text = formatCostReport(buildCostReport(BENCH, SIZING, options(), PRICES));
    expect(text).toMatch(/^ +cache miss +cache hit +dedup hit$/m);
    expect(text).toMatch(/^Firestore writes +\$9\.90 +\$9\.90 +\$9\.90$/m);
    expect(text).toMatch(/^total \(Google Cloud\) +\$\d+\.\d\d +\$\d+\.\d\d +\$\d+\.\d\d$/m);
    expect(text).toContain("Waiting on PixelLab (cache miss, 30,000 ms a call): 6 instance-seconds per job");
    expect(text).toContain(
      "with 5 deliveries sharing a processJob instance ($151.50 per million jobs), against 30",
    );
    expect(text).toContain("PixelLab's fees are not in the reference");
    expect(text).toContain("as published 2025-06");
  });
});
