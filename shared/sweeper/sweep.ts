import { settleExpiredLeases } from "./expired-leases.ts";
import { releaseLeakedSlots } from "./leaked-slots.ts";
import { recordQueueFigures } from "./queue-figures.ts";
import type { Tally } from "./tally.ts";
import { reenqueueStaleJobs } from "./stale-queued.ts";
import { rescueLostWebhooks } from "./lost-webhooks.ts";
import type { Deps } from "../deps.ts";

/** What one sweep found and fixed. Counts are jobs (or slots) in this sweep. */
export interface SweepReport {
  /** Processing jobs whose expired lease this sweep settled (= requeued + failed + cancelled). */
  expiredLeases: number;
  /** ... of which went back to queued with a task for their next attempt. */
  requeued: number;
  /** ... of which had no attempt left: failed, with a dead-letter entry. */
  failed: number;
  /** ... of which the user had asked to cancel. */
  cancelled: number;
  /** Stale queued jobs that had no task and got one. */
  reenqueued: number;
  /** Per-user slots freed because no active job held them. */
  slotsRepaired: number;
  /** Jobs whose pending webhook messages had no delivery in time and got their tasks again. */
  webhooksRescued: number;
  /** Jobs or slots whose fix threw (logged; the next sweep tries again). */
  errors: number;
  /** Passes that could not run at all (their query failed), e.g. `["expiredLeases"]`. */
  failedPasses: string[];
  /** Wall time of the sweep, in ms. */
  durationMs: number;
}

const PASSES = {
  expiredLeases: settleExpiredLeases,
  staleQueued: reenqueueStaleJobs,
  leakedSlots: releaseLeakedSlots,
  lostWebhooks: rescueLostWebhooks,
  queueGauges: recordQueueFigures,
} as const;
type PassName = keyof typeof PASSES;

/**
 * Finds jobs that cannot progress and fixes them; run every minute by Cloud Scheduler. Every fix is
 * idempotent and re-checks its document in a transaction or under a deterministic task name, so two
 * sweeps at once (overlapping schedules, manual runs) do each fix at most once. The passes run in
 * order: settling expired leases first frees slots and writes the jobs it requeues (so the stale pass
 * does not see them as stale); the slot pass runs after both may have ended jobs, and the queue's
 * gauges are read last, on what the fixes left.
 */
export async function sweep(deps: Deps, now: number): Promise<SweepReport> {
  const started = performance.now();
  const results: Partial<Record<PassName, Tally<string>>> = {};
  const failedPasses: string[] = [];
  for (const name of Object.keys(PASSES) as PassName[]) {
    try {
      results[name] = await PASSES[name](deps, now);
    } catch (err) {
      // A missing index or an outage in one pass must not keep the others from running.
      deps.logger.error({ err, pass: name }, "sweeper: a pass failed");
      failedPasses.push(name);
    }
  }
  const leases = results.expiredLeases ?? {};
  const count = (tally: Tally<string> | undefined, key: string) => tally?.[key] ?? 0;
  const requeued = count(leases, "requeued");
  const failed = count(leases, "failed");
  const cancelled = count(leases, "cancelled");
  const report: SweepReport = {
    expiredLeases: requeued + failed + cancelled,
    requeued,
    failed,
    cancelled,
    reenqueued: count(results.staleQueued, "reenqueued"),
    slotsRepaired: count(results.leakedSlots, "released"),
    webhooksRescued: count(results.lostWebhooks, "rescued"),
    errors: Object.values(results).reduce((sum, tally) => sum + count(tally, "error"), 0),
    failedPasses,
    durationMs: Math.round(performance.now() - started),
  };
  const level = report.errors > 0 || failedPasses.length > 0 ? "warn" : "info";
  deps.logger[level]({ sweep: report }, "sweep finished");
  return report;
}
