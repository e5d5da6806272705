import { hasAttemptsLeft, retryDelayMs } from "../backoff.ts";
import { dispatchDeadlineMs } from "../deadlines.ts";
import { isJobError, JobError } from "../errors.ts";
import type { JobErrorRecord } from "../job-state.ts";
import { BackgroundJobEndedError } from "../pixellab/background-job.ts";
import type { GenerationResult } from "../pixellab/response-decoding.ts";
import { writeDeadLetter } from "../store/dead-letters.ts";
import {
  encodeErrorRecord,
  estimatedBytes,
  MAX_DOCUMENT_BYTES,
  type Job,
  type JobResult,
} from "../store/job-document.ts";
import { jobEvent } from "../ports/event-publisher.ts";
import { transitionJob } from "../store/job-transitions.ts";
import { errorRecord } from "./error-record.ts";
import type { ProcessDeps } from "./process-deps.ts";

export type ProcessOutcome =
  | { kind: "skipped"; reason: string }
  | { kind: "completed"; jobId: string }
  | { kind: "retry-scheduled"; jobId: string; nextAttempt: number; delayMs: number; error: JobErrorRecord }
  | { kind: "failed"; jobId: string; error: JobErrorRecord }
  | { kind: "cancelled"; jobId: string }
  | { kind: "lease-lost"; jobId: string };

const lost = (job: Job): ProcessOutcome => ({ kind: "lease-lost", jobId: job.id });

function toStoredResult(result: GenerationResult): JobResult {
  return {
    images: result.images.map((i) => ({ base64: i.base64, width: i.width, height: i.height, format: "png" })),
    usage: result.usage === null ? null : { ...result.usage },
  };
}

/**
 * Stores a successful result: the job becomes completed with it (freeing the user's slot in the same
 * transaction), then the shared cache gets it (Firestore L2, Redis L1) with its 30-day expiry. A result
 * too large for a Firestore document fails the job clearly rather than being truncated.
 */
export async function completeJob(deps: ProcessDeps, job: Job, leaseId: string, result: GenerationResult) {
  const stored = toStoredResult(result);
  const size = estimatedBytes(stored) + estimatedBytes(job.input);
  if (size > MAX_DOCUMENT_BYTES) {
    const message = `the result (${size} bytes with the input) exceeds Firestore's 1 MiB document limit`;
    return failAttempt(deps, job, leaseId, new JobError({ type: "validation", message }));
  }
  const now = deps.clock.now();
  const done = await transitionJob(deps.firestore, job.id, now, () => ({
    event: { type: "complete", leaseId },
    fields: { result: stored, pixellabJobId: null },
  }));
  if (!done.ok) return done.reason === "cancel-requested" ? cancelAttempt(deps, job, leaseId) : lost(job);
  await deps.cache.put(job.cacheKey, stored, now).catch((error: unknown) => {
    deps.logger.warn({ err: error, jobId: job.id }, "result not cached");
  });
  await publish(deps, "job.completed", done.after, { attempt: done.after.attempts, usage: stored.usage });
  return { kind: "completed" as const, jobId: job.id };
}

/**
 * Settles a failed attempt. Permanent errors, and retryable ones with no attempt left, fail the job and
 * write its dead-letter entry in the same transaction. A retryable error with attempts left puts the
 * job back to queued and schedules the next attempt's own task after the backoff delay (at least
 * PixelLab's Retry-After), so the handler can answer 2xx and Cloud Tasks does not retry on its own.
 */
export async function failAttempt(deps: ProcessDeps, job: Job, leaseId: string, error: unknown) {
  const now = deps.clock.now();
  const record = errorRecord(error, now);
  const history = [...job.attemptErrors, record];
  // A PixelLab job that ended badly must not be polled again: the retry starts a new one. Any other
  // failure keeps the id this attempt may have recorded, so the retry resumes that PixelLab job.
  const forget = error instanceof BackgroundJobEndedError ? { pixellabJobId: null } : {};
  if (record.retryable && hasAttemptsLeft(job.attempts, { maxAttempts: job.maxAttempts })) {
    const retryAfterMs = isJobError(error) ? error.retryAfterMs : undefined;
    const delayMs = retryDelayMs(job.attempts + 1, deps.config.retry, deps.random, retryAfterMs);
    const nextAttemptAt = now + delayMs;
    const moved = await transitionJob(deps.firestore, job.id, now, () => ({
      event: { type: "retry-scheduled", leaseId, error: record, nextAttemptAt },
      fields: { attemptErrors: history.map(encodeErrorRecord), ...forget },
    }));
    if (!moved.ok) return moved.reason === "cancel-requested" ? cancelAttempt(deps, job, leaseId) : lost(job);
    // If this enqueue fails the handler answers 5xx; the sweeper finds the queued job with no task.
    await deps.tasks.enqueue({
      jobId: job.id,
      attempt: job.attempts + 1,
      run: job.run,
      notBeforeMs: nextAttemptAt,
      dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
    });
    return {
      kind: "retry-scheduled" as const,
      jobId: job.id,
      nextAttempt: job.attempts + 1,
      delayMs,
      error: record,
    };
  }
  const failed = await transitionJob(deps.firestore, job.id, now, () => ({
    event: { type: "fail", leaseId, error: record },
    fields: { attemptErrors: history.map(encodeErrorRecord), pixellabJobId: null },
    also: (tx, after) =>
      writeDeadLetter(
        tx,
        deps.firestore,
        { ...after, attemptErrors: history },
        now,
        deps.config.deadLetterRetentionMs,
      ),
  }));
  if (!failed.ok) return failed.reason === "cancel-requested" ? cancelAttempt(deps, job, leaseId) : lost(job);
  await publish(deps, "job.failed", failed.after, {
    errorType: record.type,
    attempts: failed.after.attempts,
  });
  await publish(deps, "job.dead_lettered", failed.after, { errorType: record.type, message: record.message });
  return { kind: "failed" as const, jobId: job.id, error: record };
}

/** Ends a job whose cancellation was requested; its result, if any, is dropped. */
export async function cancelAttempt(deps: ProcessDeps, job: Job, leaseId: string): Promise<ProcessOutcome> {
  const now = deps.clock.now();
  const cancelled = await transitionJob(deps.firestore, job.id, now, () => ({
    event: { type: "cancel", source: "handler", leaseId },
    fields: { pixellabJobId: null },
  }));
  if (!cancelled.ok) return lost(job);
  await publish(deps, "job.cancelled", cancelled.after, {
    from: "processing",
    attempt: cancelled.after.attempts,
  });
  return { kind: "cancelled", jobId: job.id };
}

async function publish(
  deps: ProcessDeps,
  type: "job.completed" | "job.failed" | "job.dead_lettered" | "job.cancelled",
  job: Job,
  data: Record<string, unknown>,
) {
  await deps.events.publish(jobEvent(type, job, deps.clock.now(), data));
}
