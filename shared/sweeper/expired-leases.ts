import { Timestamp } from "@google-cloud/firestore";
import { dispatchDeadlineMs } from "../deadlines.ts";
import { transition, type JobErrorRecord, type JobEvent } from "../job-state.ts";
import { jobEvent, type LifecycleEventType } from "../ports/event-publisher.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { writeDeadLetter } from "../store/dead-letters.ts";
import { encodeErrorRecord, type Job } from "../store/job-document.ts";
import { transitionJob } from "../store/job-transitions.ts";
import { queryPages, tallyPage, type Tally } from "./paged-query.ts";
import type { SweepDeps } from "./sweep-deps.ts";

export type LeaseFix = "requeued" | "failed" | "cancelled" | "skipped";

const LEASE_EXPIRED: JobEvent = { type: "lease-expired" };

/**
 * Settles processing jobs whose lease expired before `now` (ms): the handler holding them crashed or
 * was cut off. Each becomes queued for its next attempt (a task is enqueued), failed into the
 * dead-letter queue when that was its last attempt, or cancelled when the user had asked. Query:
 * `status == "processing" && leaseExpiresAt < now` (composite index status + leaseExpiresAt).
 */
export async function settleExpiredLeases(deps: SweepDeps, now: number): Promise<Tally<LeaseFix>> {
  const query = deps.firestore
    .collection(COLLECTIONS.jobs)
    .where("status", "==", "processing")
    .where("leaseExpiresAt", "<", Timestamp.fromMillis(now))
    .orderBy("leaseExpiresAt");
  const tally: Tally<LeaseFix> = {};
  for await (const page of queryPages(query)) {
    await tallyPage(
      tally,
      page,
      (doc) => settleOne(deps, doc.id, now),
      (doc, err) => deps.logger.error({ err, jobId: doc.id }, "sweeper: could not settle an expired lease"),
    );
  }
  return tally;
}

/**
 * One job, in one transaction that re-reads it: if another sweeper (or the handler) got there first,
 * `lease-expired` no longer applies and the job is skipped, so running two sweeps at once is safe.
 */
async function settleOne(deps: SweepDeps, jobId: string, now: number): Promise<LeaseFix> {
  const { firestore, config } = deps;
  const moved = await transitionJob(firestore, jobId, now, (job) => {
    const { history, ends } = preview(job, now);
    return {
      event: LEASE_EXPIRED,
      // A requeued job keeps PixelLab's background job id, so the next attempt resumes that
      // generation instead of paying for a second one; a job that ends forgets it.
      fields: { attemptErrors: history.map(encodeErrorRecord), ...(ends && { pixellabJobId: null }) },
      also: (tx, after) => {
        if (after.status !== "failed") return;
        const entry = { ...after, attemptErrors: history };
        writeDeadLetter(tx, firestore, entry, now, config.deadLetterRetentionMs);
      },
    };
  });
  if (!moved.ok) return "skipped";
  const job = moved.after;
  if (job.status === "queued") {
    // If this enqueue fails, the stale-queued pass of a later sweep finds the job without a task.
    await deps.tasks
      .enqueue({
        jobId,
        attempt: job.attempts + 1,
        run: job.run,
        dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
      })
      .catch((err: unknown) => deps.logger.warn({ err, jobId }, "sweeper: requeued job not enqueued yet"));
    return "requeued";
  }
  if (job.status === "failed") {
    const error = job.error;
    await publish(deps, "job.failed", job, now, { errorType: error?.type, attempts: job.attempts });
    await publish(deps, "job.dead_lettered", job, now, { errorType: error?.type, message: error?.message });
    return "failed";
  }
  await publish(deps, "job.cancelled", job, now, { from: "processing", attempt: job.attempts });
  return "cancelled";
}

/**
 * What `lease-expired` will do to `job` (the pure transition, run ahead): the attempt-error history
 * afterwards (plus the lost attempt's timeout error, none when cancelled), and whether the job ends.
 */
function preview(job: Job, now: number): { history: JobErrorRecord[]; ends: boolean } {
  const next = transition(job, LEASE_EXPIRED, now);
  if (!next.ok) return { history: job.attemptErrors, ends: false };
  const lost = next.state.status === "cancelled" ? null : next.state.error;
  return {
    history: lost === null ? job.attemptErrors : [...job.attemptErrors, lost],
    ends: next.state.status !== "queued",
  };
}

async function publish(
  deps: SweepDeps,
  type: LifecycleEventType,
  job: Job,
  now: number,
  data: Record<string, unknown>,
): Promise<void> {
  await deps.events.publish(jobEvent(type, job, now, { ...data, by: "sweeper" }));
}
