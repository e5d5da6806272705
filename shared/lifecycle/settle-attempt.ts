import { retryDelayMs } from "../backoff.ts";
import { transition, type JobErrorRecord } from "../job-state.ts";
import { jobEvent } from "../ports/event-publisher.ts";
import type { DeadLetter } from "../store/dead-letters.ts";
import type { Job, JobResult } from "../store/job-document.ts";
import {
  accept,
  changed,
  only,
  refuse,
  type DecideContext,
  type DecideResult,
  type Decision,
  type JobChange,
} from "./job-change.ts";
import { nextTask } from "./next-task.ts";
import { chargeOf, endedSpend } from "../spend-budget.ts";

/**
 * How an attempt ends: with a result, a failure, a cancel, or a lost lease. Each ending that is
 * terminal frees the slot and forgets PixelLab's job id; a failure that ends the job writes its
 * dead-letter entry. A cancel the user asked for wins over whatever the attempt produced.
 */

export function resultReady(job: Job, result: JobResult, shared: boolean, ctx: DecideContext): DecideResult {
  if (job.cancelRequested) return attemptCancelled(job, ctx);
  const next = transition(job, { type: "complete", leaseId: job.leaseId ?? "" }, ctx.now);
  if (!next.ok) return refuse("illegal", next.message);
  const charge = chargeOf(job.spend?.heldMicros ?? 0, !shared, result.usage);
  const after = ended(job, { ...next.state, result }, ctx.now, charge);
  return accept({
    ...terminal(job, after),
    events: [jobEvent("job.completed", after, ctx.now, { attempt: after.attempts, usage: result.usage })],
  });
}

export function attemptCancelled(job: Job, ctx: DecideContext): DecideResult {
  if (!job.cancelRequested) return refuse("illegal", "the handler cancels only on request");
  const next = transition(job, { type: "cancel", source: "handler", leaseId: job.leaseId ?? "" }, ctx.now);
  if (!next.ok) return refuse("illegal", next.message);
  const after = ended(job, next.state, ctx.now);
  return accept({
    ...terminal(job, after),
    events: [jobEvent("job.cancelled", after, ctx.now, { from: "processing", attempt: after.attempts })],
  });
}

/**
 * A failed attempt. A retryable error with attempts left puts the job back to queued for its next
 * attempt after the backoff (at least PixelLab's Retry-After), with that attempt's task; anything
 * else fails the job into the dead-letter queue. A Retry-After beyond `retryAfterMaxMs` is not
 * waited for: holding the user's slot (and Cloud Tasks' 30-day task limit) for that long helps
 * nobody, so the job fails now, saying why, and an operator can replay it once PixelLab is back.
 */
export function attemptFailed(
  job: Job,
  change: Extract<JobChange, { type: "attempt-failed" }>,
  ctx: DecideContext,
): DecideResult {
  if (job.cancelRequested) return attemptCancelled(job, ctx);
  const { now, settings } = ctx;
  const retryAfter = change.retryAfterMs;
  const overCap = retryAfter !== undefined && retryAfter > settings.retryAfterMaxMs;
  const error: JobErrorRecord = overCap
    ? {
        ...change.error,
        message: `${change.error.message} (PixelLab asked to retry after ${Math.ceil(retryAfter / 1000)} s, beyond the ${Math.ceil(settings.retryAfterMaxMs / 1000)} s the queue waits)`,
      }
    : change.error;
  const history = [...job.attemptErrors, error];
  // A PixelLab job that ended badly must not be polled again: the retry starts a new one. Any other
  // failure keeps the id this attempt may have recorded, so the retry resumes that PixelLab job.
  const pixellabJobId = change.pixellabJobEnded === true ? null : job.pixellabJobId;
  if (error.retryable && job.attempts < job.maxAttempts && !overCap) {
    const nextAttemptAt = now + retryDelayMs(job.attempts + 1, settings.retry, ctx.random, retryAfter);
    const next = transition(
      job,
      { type: "retry-scheduled", leaseId: job.leaseId ?? "", error, nextAttemptAt },
      now,
    );
    if (!next.ok) return refuse("illegal", next.message);
    const after = changed(job, { ...next.state, attemptErrors: history, pixellabJobId }, now);
    return accept({ ...only(after), task: nextTask(after) });
  }
  const next = transition(job, { type: "fail", leaseId: job.leaseId ?? "", error }, now);
  if (!next.ok) return refuse("illegal", next.message);
  return accept(failed(job, ended(job, { ...next.state, attemptErrors: history }, now), ctx));
}

/**
 * Nobody holds the job any more: queued again for its next attempt (with a task) with the lost
 * attempt's timeout in its history, failed into the dead-letter queue when that was its last
 * attempt, or cancelled when the user had asked. A requeued job keeps PixelLab's background job id,
 * so the next attempt resumes that generation instead of paying for a second one.
 */
export function leaseExpired(job: Job, by: "handler" | "sweeper", ctx: DecideContext): DecideResult {
  const next = transition(job, { type: "lease-expired" }, ctx.now);
  if (!next.ok) return refuse(next.reason === "lease-live" ? "lease-live" : "illegal", next.message);
  const state = next.state;
  if (state.status === "cancelled") {
    const after = ended(job, state, ctx.now);
    const event = jobEvent("job.cancelled", after, ctx.now, {
      from: "processing",
      attempt: after.attempts,
      by,
    });
    return accept({ ...terminal(job, after), events: [event] });
  }
  const history = state.error === null ? job.attemptErrors : [...job.attemptErrors, state.error];
  if (state.status === "queued") {
    const after = changed(job, { ...state, attemptErrors: history }, ctx.now);
    return accept({ ...only(after), task: nextTask(after) });
  }
  return accept(failed(job, ended(job, { ...state, attemptErrors: history }, ctx.now), ctx, by));
}

/**
 * The job after a terminal move: slot and PixelLab job released, and charged against its owner's
 * spend budget (if one applies): `chargedMicros` for a result, else what an unfinished job costs.
 */
function ended(job: Job, fields: Partial<Job>, now: number, chargedMicros?: number): Job {
  const spend = endedSpend(job, chargedMicros);
  return changed(job, { ...fields, slot: null, pixellabJobId: null, spend }, now);
}

function terminal(before: Job, after: Job): Decision {
  return { ...only(after), freeSlot: before.slot };
}

function failed(before: Job, after: Job, ctx: DecideContext, by?: string): Decision {
  const type = after.error?.type;
  const extra = by === undefined ? {} : { by };
  return {
    ...terminal(before, after),
    deadLetter: deadLetterOf(after, ctx.now, ctx.settings.deadLetterRetentionMs),
    events: [
      jobEvent("job.failed", after, ctx.now, { errorType: type, attempts: after.attempts, ...extra }),
      jobEvent("job.dead_lettered", after, ctx.now, {
        errorType: type,
        message: after.error?.message,
        ...extra,
      }),
    ],
  };
}

/** The dead-letter entry of a job that just failed: everything a replay needs. */
export function deadLetterOf(job: Job, now: number, retentionMs: number): DeadLetter {
  const error = job.error ?? { type: "upstream", message: "failed", retryable: false, status: null, at: now };
  return {
    jobId: job.id,
    userId: job.userId,
    operation: job.operation,
    errorType: error.type,
    error,
    attemptErrors: job.attemptErrors,
    attempts: job.attempts,
    failedAt: now,
    expireAt: now + retentionMs,
    job: {
      input: job.input,
      cacheKey: job.cacheKey,
      createdAt: job.createdAt,
      timeoutMs: job.timeoutMs,
      run: job.run,
    },
  };
}
