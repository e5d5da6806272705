import { dispatchDeadlineMs } from "../deadlines.ts";
import { problem, type Problem } from "../http/problem.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { getDeadLetter, type DeadLetter } from "../store/dead-letters.ts";
import type { Job } from "../store/job-document.ts";
import { transitionJob } from "../store/job-transitions.ts";
import { acquireSlot, releaseSlot } from "../store/user-slots.ts";
import { toJobView, type JobView } from "../submission/job-view.ts";
import { JOB_ID, type AdminDeps } from "./admin-deps.ts";
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
export async function replayDeadLetter(deps: AdminDeps, jobId: string): Promise<ReplayOutcome> {
  const entry = JOB_ID.test(jobId) ? await getDeadLetter(deps.firestore, jobId) : undefined;
  if (entry === undefined) return { kind: "rejected", problem: noDeadLetter(jobId) };
  const now = deps.clock.now();
  const requeued = await requeue(deps, entry, now);
  if (requeued.kind === "rejected") return requeued;
  const job = requeued.job;
  try {
    await deps.tasks.enqueue({
      jobId,
      attempt: 1,
      run: job.run,
      dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
    });
  } catch (err) {
    // The job is queued with no task; the sweeper enqueues it after `sweepStaleMs` (120 s).
    deps.logger.error({ err, jobId, run: job.run }, "replayed job not enqueued; the sweeper will");
  }
  const previous = { errorType: entry.errorType, attempts: entry.attempts, failedAt: entry.failedAt };
  deps.logger.info(
    { jobId, userId: job.userId, run: job.run, previous, attemptErrors: entry.attemptErrors },
    "dead letter replayed",
  );
  await deps.events.publish({
    type: "job.queued",
    jobId,
    userId: job.userId,
    operation: job.operation,
    at: now,
    data: { replay: true, run: job.run, previous },
  });
  return { kind: "replayed", view: toJobView(job) };
}

/** Takes a slot if one is free, then moves the job failed → queued and drops the entry, atomically. */
async function requeue(
  deps: AdminDeps,
  entry: DeadLetter,
  now: number,
): Promise<{ kind: "requeued"; job: Job } | { kind: "rejected"; problem: Problem }> {
  const { firestore, config } = deps;
  const { jobId, userId } = entry;
  // create() cannot join a transaction, so the slot comes first and is given back if the move fails;
  // if this process dies in between, the sweeper frees the slot (its job is still failed).
  const slot = (await acquireSlot(firestore, userId, jobId, config.limits.userActiveJobs, now)) ?? null;
  const entryRef = firestore.collection(COLLECTIONS.deadLetters).doc(jobId);
  const moved = await transitionJob(firestore, jobId, now, (job) => ({
    event: { type: "requeue", maxAttempts: config.retry.maxAttempts },
    fields: { run: job.run + 1, slot, pixellabJobId: null, attemptErrors: [] },
    also: (tx) => tx.delete(entryRef),
  }));
  if (moved.ok) {
    const job: Job = {
      ...moved.after,
      run: moved.before.run + 1,
      slot,
      pixellabJobId: null,
      attemptErrors: [],
    };
    return { kind: "requeued", job };
  }
  if (slot !== null) await releaseSlot(firestore, userId, slot, jobId);
  if (moved.reason === "missing") {
    return { kind: "rejected", problem: problem("not-found", `Job ${jobId} no longer exists.`) };
  }
  const status = moved.job?.status ?? "unknown";
  return {
    kind: "rejected",
    problem: problem("conflict", `Job ${jobId} is ${status}, not failed; it was replayed already.`, {
      jobStatus: status,
    }),
  };
}
