import type { Deps } from "../deps.ts";
import { carryOut } from "../lifecycle/carry-out.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import type { Job } from "../store/job-document.ts";
import { SWEEP_MAX_DOCS, tallyAll, type Tally } from "./tally.ts";

export type QueuedFix = "reenqueued" | "has-task" | "not-due";

/**
 * Gives a task back to queued jobs that have none: the API's or the handler's enqueue failed after
 * the job was written, or Cloud Tasks lost the task. A job counts as stale when it has not been
 * written for `config.sweepStaleMs` (default 120 s) and its `nextAttemptAt`, if any, is that far in
 * the past.
 *
 * A missing task's name may still be reserved (Cloud Tasks keeps a name for about an hour after its
 * task ended or was deleted, and answers ALREADY_EXISTS), so the rescue takes a fresh name: the
 * `swept` decision bumps the job's `run`, and only while the job is still queued at the same attempt
 * and run, which also lets exactly one of two racing sweepers enqueue.
 */
export async function reenqueueStaleJobs(deps: Deps, now: number): Promise<Tally<QueuedFix>> {
  const cutoff = now - deps.config.sweepStaleMs;
  const jobs = await deps.store.staleQueued(cutoff, SWEEP_MAX_DOCS);
  const tally: Tally<QueuedFix> = {};
  await tallyAll(
    tally,
    jobs,
    (job) => ensureTask(deps, job, cutoff, now),
    (job, err) => deps.logger.error({ err, jobId: job.id }, "sweeper: could not re-enqueue a queued job"),
  );
  return tally;
}

async function ensureTask(deps: Deps, job: Job, cutoff: number, now: number): Promise<QueuedFix> {
  // A retry scheduled far ahead (long backoff) is waiting, not stuck.
  if (job.nextAttemptAt !== null && job.nextAttemptAt >= cutoff) return "not-due";
  if (await deps.tasks.exists(job.id, job.attempts + 1, job.run, job.priority)) return "has-task";
  const applied = await applyChange(
    deps,
    job.id,
    { type: "swept", attempts: job.attempts, run: job.run },
    now,
  );
  if (!applied.ok) return "has-task"; // the job moved on, or another sweeper took it
  await carryOut(deps, applied);
  deps.logger.warn(
    { jobId: job.id, attempt: job.attempts + 1, run: applied.decision.job.run },
    "sweeper: re-enqueued a queued job with no task",
  );
  return "reenqueued";
}
