import type { Deps } from "../deps.ts";
import { problem, type Problem } from "../http/problem.ts";
import { carryOut } from "../lifecycle/carry-out.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import type { Job } from "../store/job-document.ts";
import { JOB_ID } from "../store/job-document.ts";
import { toJobView, type JobView } from "../submission/job-view.ts";
import { noDeadLetter } from "./list-dead-letters.ts";

export type ReplayOutcome = { kind: "replayed"; view: JobView } | { kind: "rejected"; problem: Problem };

/**
 * `POST /v1/admin/dead-letters/{jobId}/retry`: the failed job is queued again with a fresh attempt
 * budget (`config.retry.maxAttempts`) as a new run, and its dead-letter entry is deleted in the same
 * transaction, so two operators replaying at once replay it once (the second sees a queued job: 409).
 *
 * Decisions: the new run starts with an empty `attemptErrors` and no PixelLab job id (a new run
 * generates afresh; the old run's errors go out with the `job.queued` event and the log line, since
 * the entry that held them is gone). The replay takes one of the user's free slots if there is one,
 * but is not refused when all are held: an operator's replay is not the user's submission, and
 * refusing would make replays fail exactly when a user is busy. The job then runs without a slot.
 * Writes: the slot (0-1), the job and the entry (1 transaction), one task, one event.
 */
export async function replayDeadLetter(deps: Deps, jobId: string): Promise<ReplayOutcome> {
  const entry = JOB_ID.test(jobId) ? await deps.store.getDeadLetter(jobId) : undefined;
  if (entry === undefined) return { kind: "rejected", problem: noDeadLetter(jobId) };
  const now = deps.clock.now();
  const { userId } = entry;
  // A slot create cannot join the transaction, so it comes first and is given back if the move
  // fails; if this process dies in between, the sweeper frees the slot (its job is still failed).
  const slot = (await deps.store.acquireSlot(userId, jobId, deps.config.limits.userActiveJobs, now)) ?? null;
  const moved = await applyChange(deps, jobId, { type: "replayed", slot }, now);
  if (!moved.ok) {
    if (slot !== null) await deps.store.releaseSlot(userId, slot, jobId);
    return { kind: "rejected", problem: refusal(jobId, moved.reason, moved.job) };
  }
  const job = moved.decision.job;
  await carryOut(deps, moved).catch((err: unknown) => {
    // The job is queued with no task; the sweeper enqueues it after `sweepStaleMs` (120 s).
    deps.logger.error({ err, jobId, run: job.run }, "replayed job not enqueued; the sweeper will");
  });
  const previous = { errorType: entry.errorType, attempts: entry.attempts, failedAt: entry.failedAt };
  deps.logger.info(
    { jobId, userId: job.userId, run: job.run, previous, attemptErrors: entry.attemptErrors },
    "dead letter replayed",
  );
  return { kind: "replayed", view: toJobView(job) };
}

function refusal(jobId: string, reason: string, job: Job | undefined): Problem {
  if (reason === "missing") return problem("not-found", `Job ${jobId} no longer exists.`);
  const status = job?.status ?? "unknown";
  return problem("conflict", `Job ${jobId} is ${status}, not failed; it was replayed already.`, {
    jobStatus: status,
  });
}
