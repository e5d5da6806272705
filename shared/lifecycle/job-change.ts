import type { Random, RetryPolicy } from "../backoff.ts";
import type { JobErrorRecord } from "../job-state.ts";
import type { LifecycleEvent } from "../ports/event-publisher.ts";
import type { TaskRequest } from "../ports/task-scheduler.ts";
import type { Progress } from "../progress.ts";
import type { DeadLetter } from "../store/dead-letters.ts";
import type { Job, JobResult } from "../store/job-document.ts";
import type { WebhookAttempt, WebhookMessageState, WebhookTaskRequest } from "../webhooks/job-webhook.ts";

/**
 * Something that happens to a job. Each writer (API, handler, sweeper, operator) describes what it saw
 * as one of these; {@link decide} turns it, with the job as stored, into the next state and every
 * write that goes with it.
 */
export type JobChange =
  /** A delivery of the task for `attempt` wants to run the job under `leaseId`. */
  | { type: "claimed"; leaseId: string; attempt: number }
  | { type: "progress"; leaseId: string; progress: Progress }
  /** PixelLab accepted a background job; its id is kept so a later attempt resumes it. */
  | { type: "pixellab-job-started"; leaseId: string; pixellabJobId: string }
  /**
   * The generation's result, already stored durably under the job's cache key. `shared`: another
   * job's generation produced it, so this job paid PixelLab nothing. @defaultValue false
   */
  | { type: "result-ready"; leaseId: string; result: JobResult; shared?: boolean }
  /**
   * The attempt failed. `retryAfterMs` is PixelLab's `Retry-After`; `pixellabJobEnded` says
   * PixelLab's background job itself failed, so a retry must start a new one.
   */
  | {
      type: "attempt-failed";
      leaseId: string;
      error: JobErrorRecord;
      retryAfterMs?: number | undefined;
      pixellabJobEnded?: boolean;
    }
  /** The handler stopped its attempt because the user asked (it saw `cancelRequested`). */
  | { type: "attempt-cancelled"; leaseId: string }
  /** The holder crashed but caught it: the lease ends now, so a redelivery need not wait it out. */
  | { type: "lease-released"; leaseId: string }
  /** Nobody holds the job any more (crash, lost instance); found by the handler or the sweeper. */
  | { type: "lease-expired"; by: "handler" | "sweeper" }
  /** The owner asks to stop the job. */
  | { type: "cancel-requested" }
  /** An operator replays a dead-lettered job; `slot` is the user's slot it took, if one was free. */
  | { type: "replayed"; slot: number | null }
  /** The sweeper found the queued job without a task: it gets one under a fresh run. */
  | { type: "swept"; attempts: number; run: number }
  /**
   * A delivery of webhook message `messageId` was tried: `attempt` is recorded and the message moves
   * to `state`; while it stays pending, the sweeper looks at it again at `checkAt` (ms).
   */
  | {
      type: "webhook-attempt";
      messageId: string;
      attempt: WebhookAttempt;
      state: WebhookMessageState;
      checkAt: number;
    }
  /** The sweeper created a pending message's task again; it looks again at `checkAt` (ms). */
  | { type: "webhook-rescheduled"; checkAt: number };

/** Every write that goes with a change, applied by the store in one transaction (or after it). */
export interface Decision {
  /** The job as it must be stored. */
  job: Job;
  /** The per-user slot to free, if it still names this job. */
  freeSlot: number | null;
  /** A dead-letter entry to write (the job failed for good). */
  deadLetter: DeadLetter | null;
  /** Remove the job's dead-letter entry (a replay). */
  dropDeadLetter: boolean;
  /** After the transaction: the next attempt's task to create. */
  task: TaskRequest | null;
  /** After the transaction: a pending task that will never be needed (a queued job cancelled). */
  removeTask: { attempt: number; run: number } | null;
  /** After the transaction: events to publish (without waiting for them). */
  events: LifecycleEvent[];
  /** After the transaction: the webhook message to deliver (the job just ended, `webhooks/`). */
  webhook: WebhookTaskRequest | null;
}

export type RefusalReason =
  | "terminal"
  | "lease-live"
  | "lease-lost"
  | "stale-delivery"
  | "attempts-exhausted"
  | "not-failed"
  | "moved-on"
  | "illegal";

export type DecideResult =
  { ok: true; decision: Decision } | { ok: false; reason: RefusalReason; message: string };

/** What a decision needs besides the job: the time, the settings that shape retries, and jitter. */
export interface DecideContext {
  /** ms since the epoch. */
  now: number;
  settings: {
    retry: RetryPolicy;
    /** Longest upstream `Retry-After` honoured, in ms (config `RETRY_AFTER_MAX_MS`). */
    retryAfterMaxMs: number;
    /** How long a dead-letter entry is kept, in ms (config `DEAD_LETTER_RETENTION_DAYS`). */
    deadLetterRetentionMs: number;
  };
  random: Random;
}

/** A decision that changes the job only. */
export function only(job: Job): Decision {
  return {
    job,
    freeSlot: null,
    deadLetter: null,
    dropDeadLetter: false,
    task: null,
    removeTask: null,
    events: [],
    webhook: null,
  };
}

export const accept = (decision: Decision): DecideResult => ({ ok: true, decision });
export const refuse = (reason: RefusalReason, message: string): DecideResult => ({
  ok: false,
  reason,
  message,
});

/** The job with `fields` changed, stamped `updatedAt = now`. */
export function changed(job: Job, fields: Partial<Job>, now: number): Job {
  return { ...job, ...fields, updatedAt: now };
}
