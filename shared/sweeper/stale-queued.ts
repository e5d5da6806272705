import { Timestamp } from "@google-cloud/firestore";
import { dispatchDeadlineMs } from "../deadlines.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { decodeJob, type Job } from "../store/job-document.ts";
import { queryPages, tallyPage, type Tally } from "./paged-query.ts";
import type { SweepDeps } from "./sweep-deps.ts";

export type QueuedFix = "reenqueued" | "has-task" | "not-due";

/**
 * Gives a task back to queued jobs that have none: the API's or the handler's enqueue failed after
 * the job was written, or Cloud Tasks dropped the task. A job counts as stale when it has not been
 * written for `config.sweepStaleMs` (default 120 s) and its `nextAttemptAt`, if any, is that far in
 * the past. Query: `status == "queued" && updatedAt < now - sweepStaleMs` (index status + updatedAt).
 *
 * A missing task's name may still be reserved (Cloud Tasks keeps a name for about an hour after its
 * task ended or was deleted, and answers ALREADY_EXISTS), so the rescue takes a fresh name: it bumps
 * the job's `run` in a transaction that only succeeds while the job is still queued at the same
 * attempt and run, which also lets exactly one of two racing sweepers enqueue.
 */
export async function reenqueueStaleJobs(deps: SweepDeps, now: number): Promise<Tally<QueuedFix>> {
  const cutoff = now - deps.config.sweepStaleMs;
  const query = deps.firestore
    .collection(COLLECTIONS.jobs)
    .where("status", "==", "queued")
    .where("updatedAt", "<", Timestamp.fromMillis(cutoff))
    .orderBy("updatedAt");
  const tally: Tally<QueuedFix> = {};
  for await (const page of queryPages(query)) {
    await tallyPage(
      tally,
      page,
      (doc) => ensureTask(deps, decodeJob(doc.id, doc.data()), cutoff),
      (doc, err) => deps.logger.error({ err, jobId: doc.id }, "sweeper: could not re-enqueue a queued job"),
    );
  }
  return tally;
}

/** Enqueues the job's next attempt unless its task exists or its retry is not overdue. */
async function ensureTask(deps: SweepDeps, job: Job, cutoff: number): Promise<QueuedFix> {
  // A retry scheduled far ahead (long backoff) is waiting, not stuck.
  if (job.nextAttemptAt !== null && job.nextAttemptAt >= cutoff) return "not-due";
  const attempt = job.attempts + 1;
  if (await deps.tasks.exists(job.id, attempt, job.run)) return "has-task";
  const run = await takeFreshRun(deps, job);
  if (run === undefined) return "has-task"; // the job moved on, or another sweeper took it
  await deps.tasks.enqueue({
    jobId: job.id,
    attempt,
    run,
    dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
  });
  deps.logger.warn({ jobId: job.id, attempt, run }, "sweeper: re-enqueued a queued job with no task");
  return "reenqueued";
}

/** Bumps `run` if the job is still queued as read (1 read, 1 write); returns the new run. */
async function takeFreshRun(deps: SweepDeps, job: Job): Promise<number | undefined> {
  const ref = deps.firestore.collection(COLLECTIONS.jobs).doc(job.id);
  return deps.firestore.runTransaction(async (tx) => {
    const current = decodeJob(job.id, (await tx.get(ref)).data());
    if (current.status !== "queued" || current.attempts !== job.attempts || current.run !== job.run)
      return undefined;
    tx.update(ref, { run: job.run + 1, updatedAt: Timestamp.fromMillis(deps.clock.now()) });
    return job.run + 1;
  });
}
