import type { Deps } from "../deps.ts";
import { carryOut } from "../lifecycle/carry-out.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import { SWEEP_MAX_DOCS, tallyAll, type Tally } from "./tally.ts";

export type LeaseFix = "requeued" | "failed" | "cancelled" | "skipped";

/**
 * Settles processing jobs whose lease expired before `now` (ms): the handler holding them crashed or
 * was cut off. The lifecycle decides each (the same decision a redelivery makes): queued for its
 * next attempt with a task, failed into the dead-letter queue when that was its last attempt, or
 * cancelled when the user had asked.
 */
export async function settleExpiredLeases(deps: Deps, now: number): Promise<Tally<LeaseFix>> {
  const ids = await deps.store.expiredLeases(now, SWEEP_MAX_DOCS);
  const tally: Tally<LeaseFix> = {};
  await tallyAll(
    tally,
    ids,
    (jobId) => settleOne(deps, jobId, now),
    (jobId, err) => deps.logger.error({ err, jobId }, "sweeper: could not settle an expired lease"),
  );
  return tally;
}

async function settleOne(deps: Deps, jobId: string, now: number): Promise<LeaseFix> {
  const applied = await applyChange(deps, jobId, { type: "lease-expired", by: "sweeper" }, now);
  if (!applied.ok) return "skipped";
  // If the enqueue fails, the stale-queued pass of a later sweep finds the job without a task.
  await carryOut(deps, applied).catch((err: unknown) =>
    deps.logger.warn({ err, jobId }, "sweeper: requeued job not enqueued yet"),
  );
  const status = applied.decision.job.status;
  return status === "queued" ? "requeued" : status === "failed" ? "failed" : "cancelled";
}
