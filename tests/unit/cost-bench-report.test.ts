import path from "node:path";
import { tmpdir } from "node:os";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BenchReportError, decodeBenchReport, loadBenchReport } from "../tools/cost/bench-report.ts";

const PATH_OPS = {
  jobs: 300,
  firestoreReads: 14,
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

const report = (pixellabLatencyMs: number[]) => ({
  config: { queueConcurrency: 10, maxDispatchesPerSecond: 20, pixellabLatencyMs, count: 300 },
  operations: { cacheMiss: PATH_OPS, cacheHit: PATH_OPS, dedup: PATH_OPS },
});

describe("loadBenchReport", () => {
  it("a missing report says to run the benchmark first", () => {
    const missing = path.join(tmpdir(), `no-such-dir-${randomUUID()}`, "latest.json");
    expect(() => loadBenchReport(missing)).toThrow(BenchReportError);
    expect(() => loadBenchReport(missing)).toThrow(
      `${missing} does not exist. Run the benchmark first: \`npm run bench\` (or \`npm run bench -- --quick\`) writes bench-results/latest.json; or pass --from FILE.`,
    );
  });
});

describe("decodeBenchReport", () => {
  it.each([
    { name: "one latency", latencies: [0], expected: 0 },
    { name: "several scenarios: the highest", latencies: [0, 100, 300], expected: 300 },
    { name: "none given", latencies: [], expected: 0 },
  ])(
    "the offline PixelLab's latency behind the operations: $name → $expected ms",
    ({ latencies, expected }) => {
      const decoded = decodeBenchReport(report(latencies), "r.json");
      expect(decoded.benchPixellabLatencyMs).toBe(expected);
      expect(decoded.operations.cacheMiss).toEqual({ ...PATH_OPS, clientReads: 0 }); // older reports have none
      expect(decoded.queueConcurrency).toBe(10);
    },
  );

  it.each([
    { name: "no operations section", json: { config: report([0]).config }, field: "operations" },
    {
      name: "a count that is not a number",
      json: { ...report([0]), operations: { ...report([0]).operations, dedup: { ...PATH_OPS, tasks: "1" } } },
      field: "operations.dedup.tasks",
    },
    { name: "not an object", json: [], field: "(root)" },
  ])("names what is wrong: $name", ({ json, field }) => {
    expect(() => decodeBenchReport(json, "r.json")).toThrow(BenchReportError);
    expect(() => decodeBenchReport(json, "r.json")).toThrow(
      new RegExp(`^r\\.json is not a benchmark report.*${field.replace(/[.()]/g, "\\$&")}`),
    );
  });
});
