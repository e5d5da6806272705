import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXED_QUEUE_SETTINGS } from "../../shared/queue-settings.ts";
import { formatReport, runBench } from "../tools/bench/run.ts";

/** The fields of one path's per-job averages, as `npm run cost` reads them. */
const PATH_OPS_FIELDS = [
  "jobs",
  "firestoreReads",
  "clientReads",
  "firestoreWrites",
  "firestoreDeletes",
  "tasks",
  "pixellabCalls",
  "pubsubMessages",
  "apiRequests",
  "apiMs",
  "handlerDeliveries",
  "handlerMs",
  "storedBytes",
].sort();

const outDir = path.resolve(".tmp", `bench-smoke-${process.pid}`);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// The quick benchmark (`npm run bench -- --quick`): its own emulators, Cloud Tasks emulator, offline
// PixelLab and functions on free ports, every scenario kind at a small size. Timings are the
// machine's; what is checked is that every job ended and every figure was measured.
describe("bench, quick run", () => {
  it("follows every accepted job to its end and reports every figure", async () => {
    const report = await runBench({ quick: true, outDir });
    const table = formatReport(report);
    expect(
      report.scenarios.map((s) => s.slug),
      table,
    ).toEqual(["1-client", "10-clients", "burst", "sustained", "duplicate-mix"]);
    for (const s of report.scenarios) {
      const where = `${s.name}\n${table}`;
      expect(s.submissions.answered, where).toBeGreaterThan(0);
      expect(s.jobs.notEnded, where).toBe(0);
      expect(s.jobs.ended, where).toBe(s.submissions.answered);
      expect(s.jobs.byStatus, where).toEqual({ completed: s.submissions.answered });
      expect(s.submissions.answered + s.submissions.byPath.rejected, where).toBe(s.submissions.sent);
      const figures = [
        s.submissionsPerSecond,
        s.completedPerSecond,
        s.submitMs.p50,
        s.submitMs.p95,
        s.submitMs.p99,
        s.queueWaitMs.p50,
        s.queueWaitMs.p95,
        s.handlerOverheadMs.p50,
        s.handlerOverheadMs.p95,
        s.endToEndMs.p50,
        s.endToEndMs.p95,
        s.endToEndMs.p99,
        s.endToEndMs.mean,
        ...Object.values(s.peakMemoryMiB),
      ];
      for (const figure of figures) expect(Number.isFinite(figure), where).toBe(true);
      expect(s.completedPerSecond, where).toBeGreaterThan(0);
      // CPU is read from /proc for every process of the stack: each function did work for its jobs.
      expect(s.cpu?.machineMsPerJob, where).toBeGreaterThan(0);
      for (const service of ["firestore", "api", "processJob", "driver"])
        expect(s.cpu?.msPerJob[service], `${service} CPU\n${where}`).toBeGreaterThan(0);
      // Listening clients whose jobs are written while they listen: with PixelLab taking time,
      // always; an instant job may be done before its listener is attached (nothing to time then).
      if (s.pixellabLatencyMs > 0) expect(s.propagationMs.count, where).toBeGreaterThan(0);
      const miss = s.operations.cacheMiss;
      expect(miss.jobs, where).toBeGreaterThan(0);
      expect(miss.firestoreWrites, where).toBeGreaterThan(0);
      // The submission's own reads (claim, cache, count) are attributed to it through its trace, and
      // the handler's claim read through the job id: 4 per job, counted by the store (1 if the
      // submissions' log lines were not attributed at all). A line still being written when the
      // scenario is read may be missed, so the check is that attribution works, not the exact count.
      expect(miss.firestoreReads, where).toBeGreaterThan(2);
      expect([miss.tasks, miss.pixellabCalls, miss.handlerDeliveries], where).toEqual([1, 1, 1]);
      expect(miss.pubsubMessages, where).toBeGreaterThan(0);
    }

    const mix = report.scenarios.find((s) => s.slug === "duplicate-mix");
    const hit = mix?.operations.cacheHit;
    const dedup = mix?.operations.dedup;
    expect(hit?.jobs, table).toBeGreaterThan(0);
    expect([hit?.pixellabCalls, hit?.tasks, hit?.handlerDeliveries], table).toEqual([0, 0, 0]);
    expect(dedup?.jobs, table).toBeGreaterThan(0);
    expect([dedup?.firestoreWrites, dedup?.pixellabCalls, dedup?.tasks], table).toEqual([0, 0, 0]);
    expect(mix?.pixellab.savedBy.cache, table).toBe(hit?.jobs);
    expect(mix?.pixellab.savedBy.dedup, table).toBe(dedup?.jobs);

    const burst = report.scenarios.find((s) => s.slug === "burst");
    expect(burst?.queueCapacity, table).toBe(report.config.queueCapacity);
    expect(burst?.submissions.sent, table).toBe(30);

    for (const value of [
      report.limits.rawWritesPerSecond,
      report.limits.rawTransactionsPerSecond,
      report.limits.bindingJobsPerSecond,
      report.limits.achievedJobsPerSecond,
      report.limits.achievedRatio,
      report.limits.cpuJobsPerSecond,
      report.machine.sha256MiBPerSecond,
    ])
      expect(Number.isFinite(value), table).toBe(true);
    expect(report.limits.rawWritesPerSecond, table).toBeGreaterThan(0);
    expect(report.targets.length, table).toBeGreaterThan(0);
    for (const target of report.targets)
      expect(typeof target.met, `${target.name}\n${table}`).toBe("boolean");

    // The JSON file, in the shape another tool reads.
    const written = JSON.parse(readFileSync(report.files.report, "utf8")) as typeof report;
    expect(readFileSync(report.files.latest, "utf8")).toBe(readFileSync(report.files.report, "utf8"));
    expect(path.basename(report.files.report)).toMatch(/^bench-\d{4}-\d{2}-\d{2}T[\d-]+Z\.json$/);
    for (const name of ["cacheMiss", "cacheHit", "dedup"] as const) {
      const ops = written.operations[name];
      expect(Object.keys(ops).sort(), name).toEqual(PATH_OPS_FIELDS);
      for (const value of Object.values(ops)) expect(Number.isFinite(value), name).toBe(true);
      expect(ops.jobs, name).toBeGreaterThan(0);
    }
    expect(written.config.queueConcurrency).toBe(10);
    expect(written.config.maxDispatchesPerSecond).toBe(FIXED_QUEUE_SETTINGS.maxDispatchesPerSecond);
    expect(written.config.pixellabLatencyMs).toEqual([0, 500]);
    expect(typeof written.limits.bindingLimit).toBe("string");
    expect(written.scenarios).toHaveLength(report.scenarios.length);
  }, 240_000);
});
