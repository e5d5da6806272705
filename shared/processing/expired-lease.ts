import type { Firestore } from "@google-cloud/firestore";
import type { Config } from "../config.ts";
import { transition, type JobErrorRecord, type JobEvent } from "../job-state.ts";
import { jobEvent, type EventPublisher, type LifecycleEventType } from "../ports/event-publisher.ts";
import { writeDeadLetter } from "../store/dead-letters.ts";
import { encodeErrorRecord, type Job } from "../store/job-document.ts";
import { transitionJob } from "../store/job-transitions.ts";

export type LeaseFix = "requeued" | "failed" | "cancelled" | "skipped";

const LEASE_EXPIRED: JobEvent = { type: "lease-expired" };

/** What settling an expired lease needs; the handler's and the sweeper's deps both provide it. */
export interface LeaseDeps {
  config: Pick<Config, "deadLetterRetentionMs">;
  firestore: Firestore;
  events: EventPublisher;
}

/**
 * Settles one job whose lease expired (its holder crashed, or was cut off and gave the lease back),
 * in one transaction that re-reads it: queued again for its next attempt with the lost attempt's
 * error in its history, failed into the dead-letter queue when that was its last attempt, or
 * cancelled when the user had asked. Both the handler (on redelivery) and the sweeper come here, so
 * the two paths cannot diverge. The caller enqueues or claims a requeued job.
 */
export async function settleExpiredLease(
  deps: LeaseDeps,
  jobId: string,
  now: number,
  by: "handler" | "sweeper",
): Promise<{ fix: LeaseFix; job?: Job }> {
  const moved = await transitionJob(deps.firestore, jobId, now, (job) => {
    const { history, ends } = preview(job, now);
    return {
      event: LEASE_EXPIRED,
      // A requeued job keeps PixelLab's background job id, so the next attempt resumes that
      // generation instead of paying for a second one; a job that ends forgets it.
      fields: { attemptErrors: history.map(encodeErrorRecord), ...(ends && { pixellabJobId: null }) },
      also: (tx, after) => {
        if (after.status !== "failed") return;
        const entry = { ...after, attemptErrors: history };
        writeDeadLetter(tx, deps.firestore, entry, now, deps.config.deadLetterRetentionMs);
      },
    };
  });
  if (!moved.ok) return { fix: "skipped" };
  const job = moved.after;
  const publish = (type: LifecycleEventType, data: Record<string, unknown>) =>
    deps.events.publish(jobEvent(type, job, now, { ...data, by }));
  if (job.status === "queued") return { fix: "requeued", job };
  if (job.status === "failed") {
    await publish("job.failed", { errorType: job.error?.type, attempts: job.attempts });
    await publish("job.dead_lettered", { errorType: job.error?.type, message: job.error?.message });
    return { fix: "failed", job };
  }
  await publish("job.cancelled", { from: "processing", attempt: job.attempts });
  return { fix: "cancelled", job };
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
