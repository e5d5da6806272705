import { describe, expect, it } from "vitest";
import { FAULT_KINDS } from "../tools/chaos/faults.ts";
import { formatReport } from "../tools/chaos/report-table.ts";
import { runChaos } from "../tools/chaos/run.ts";

/** What the offline PixelLab must have answered at least once (see pixellab-faults.ts). */
const PIXELLAB_KINDS = [
  "rate limit 429",
  "5xx",
  "timeout/aborted",
  "auth 401",
  "quota 402",
  "validation 4xx",
  "malformed/wrong size",
  "background job failed",
];

// The 100-job chaos run (`npm run chaos` runs 1,000): its own emulators, Redis, Cloud Tasks emulator,
// offline PixelLab and functions on free ports, each process fault at least once, early, so that the
// leases of killed attempts (100 s at the 10 s job timeout) expire within the drain.
describe("chaos run", () => {
  it("loses no job, generates none twice and leaves nothing behind while parts fail", async () => {
    const report = await runChaos({
      jobs: 100,
      users: 10,
      seed: 20261201,
      failureRate: 0.15,
      faults: {
        processJobKills: 2,
        redisRestarts: 1,
        pubsubPauses: 1,
        tasksRestarts: 1,
        duplicateDeliveries: 8,
      },
      faultGapMs: [1_500, 4_000],
      drainTimeoutMs: 170_000,
    });
    const table = formatReport(report);
    console.log(table);
    // The table is the failure message: it lists every violation with the log lines of its job.
    expect(report.drain.drained, table).toBe(true);
    for (const kind of FAULT_KINDS)
      expect(report.faults[kind], `${kind} injected\n${table}`).toBeGreaterThan(0);
    for (const kind of PIXELLAB_KINDS)
      expect(report.pixellab.byKind[kind] ?? 0, `PixelLab ${kind}\n${table}`).toBeGreaterThan(0);
    expect(report.audit.violations, table).toEqual([]);
    expect([report.audit.lost, report.audit.doubled]).toEqual([0, 0]);
  }, 300_000);
});
