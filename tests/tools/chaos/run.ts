import { auditRun } from "./audit.ts";
import { startChaosStack } from "./chaos-stack.ts";
import { drainQueue } from "./drain.ts";
import { driveSubmissions, type DriveResult } from "./driver.ts";
import { startDuplicateDeliveries } from "./duplicate-deliveries.ts";
import { FAULT_KINDS, startFaults, type FaultKind } from "./faults.ts";
import { readSnapshot } from "./firestore-snapshot.ts";
import { traceJobs } from "./job-traces.ts";
import { resolveOptions, type ChaosOptions } from "./options.ts";
import { summarisePixelLab } from "./pixellab-faults.ts";
import { tallyDrive, type ChaosReport } from "./report.ts";
import { startSweeperLoop, type SweeperLoop } from "./sweeper-loop.ts";
import { signUpUsers } from "./users.ts";
import { planWorkload } from "./workload.ts";

export type { ChaosOptions } from "./options.ts";
export type { ChaosReport } from "./report.ts";

/** How many violated jobs get their log lines collected. */
const TRACED_JOBS = 12;

/**
 * The chaos run: starts the local stack's parts on free ports, plays the planned submissions while
 * PixelLab fails on purpose and the injector kills, stops and freezes parts, waits (bounded) for the
 * queue to drain with the sweeper running, then audits every job. Everything it started is stopped
 * before it returns, whatever happened; it never throws for a violation (they are in the report).
 */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const o = resolveOptions(options);
  const started = Date.now();
  const plan = planWorkload(o);
  o.log(
    `chaos: ${o.jobs} jobs from ${o.users} users, seed ${o.seed}, PixelLab failure rate ${o.failureRate}`,
  );
  const stack = await startChaosStack({ sweepStaleMs: o.sweepStaleMs }, o.log);
  let sweeper: SweeperLoop | undefined;
  try {
    const users = await signUpUsers(stack.authHost, o.users);
    o.log(`  stack up in ${Math.round((Date.now() - started) / 1000)} s; submitting`);
    sweeper = startSweeperLoop(stack.sweepUrl, o.sweepEveryMs);
    const faults = startFaults(stack, o.faults, o.faultGapMs, o.seed, o.log);
    const everyMs = [o.faultGapMs[0] / 4, o.faultGapMs[1] / 4] as const;
    const duplicates = startDuplicateDeliveries(
      stack,
      o.faults.duplicateDeliveries,
      everyMs,
      o.seed,
      faults.events,
    );
    let drive: DriveResult;
    try {
      drive = await driveSubmissions(stack.apiUrl, users, plan, o.seed, Date.now() + o.submitTimeoutMs);
      o.log(`  submissions done after ${Math.round((Date.now() - started) / 1000)} s`);
      await faults.finished;
    } finally {
      await faults.stop();
      await duplicates.stop();
    }
    o.log("  faults over; draining");
    const drain = await drainQueue(stack.firestore, sweeper, o.drainTimeoutMs, o.log);
    await sweeper.stop();
    const stats = stack.pixellab.stats();
    const kills = faults.events
      .filter((e) => e.kind === "processJob SIGKILL")
      .map((e) => ({ at: e.struckAt, upAt: e.endedAt }));
    const audit = auditRun(await readSnapshot(stack.firestore), stats.byTag, drive, plan, kills);
    const violated = [...new Set(audit.violations.map((v) => v.jobId).filter((id) => id !== null))];
    const { log: _log, ...shown } = o;
    return {
      options: shown,
      startedAt: started,
      durationMs: Date.now() - started,
      ...tallyDrive(drive),
      faults: Object.fromEntries(
        FAULT_KINDS.map((kind) => [kind, faults.events.filter((e) => e.kind === kind).length]),
      ) as Record<FaultKind, number>,
      faultEvents: faults.events,
      pixellab: summarisePixelLab(stats.byTag),
      sweeper: sweeper.totals,
      drain,
      audit,
      traces: traceJobs(violated.slice(0, TRACED_JOBS), stack.logFiles),
      logFiles: stack.logFiles,
    };
  } finally {
    await sweeper?.stop();
    await stack.stop();
  }
}
