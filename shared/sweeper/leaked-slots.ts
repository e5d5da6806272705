import type { Deps } from "../deps.ts";
import { isTerminal } from "../job-state.ts";
import type { SlotRecord } from "../store/job-store.ts";
import { SWEEP_MAX_DOCS, tallyAll, type Tally } from "./tally.ts";

export type SlotFix = "released" | "kept";

/**
 * Frees per-user slots that no active job holds: the job is missing (an admission whose undo
 * failed) or finished, or it holds another slot. Only slots older than `config.sweepStaleMs` are
 * looked at, because admission takes the slot before it writes the job and an operator's replay
 * takes it before requeueing: a young slot may belong to a job still being written. The release
 * deletes only if the slot still names the same job, so a slot re-taken meanwhile is kept.
 */
export async function releaseLeakedSlots(deps: Deps, now: number): Promise<Tally<SlotFix>> {
  const slots = await deps.store.oldSlots(now - deps.config.sweepStaleMs, SWEEP_MAX_DOCS);
  const tally: Tally<SlotFix> = {};
  await tallyAll(
    tally,
    slots,
    (slot) => releaseIfLeaked(deps, slot),
    (slot, err) =>
      deps.logger.error(
        { err, slot: slot.slot, userId: slot.userId },
        "sweeper: could not check a user slot",
      ),
  );
  return tally;
}

async function releaseIfLeaked(deps: Deps, slot: SlotRecord): Promise<SlotFix> {
  const { job } = slot;
  if (job !== undefined && !isTerminal(job.status) && job.slot === slot.slot) return "kept";
  // The job's own ending may have freed it between the query and now: only a real deletion counts.
  if (!(await deps.store.releaseSlot(slot.userId, slot.slot, slot.jobId))) return "kept";
  deps.logger.warn(
    { jobId: slot.jobId, userId: slot.userId, slot: slot.slot, jobStatus: job?.status },
    "sweeper: released a leaked slot",
  );
  return "released";
}
