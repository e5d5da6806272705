import type { ErrorType } from "./errors.ts";
import { progressAt, type Progress } from "./progress.ts";

/** A job's status: a closed union. `completed`, `failed` and `cancelled` are terminal. */
export const JOB_STATUSES = ["queued", "processing", "completed", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "cancelled"];
/** Jobs that hold a place in the queue and a per-user slot. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ["queued", "processing"];

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === "string" && (JOB_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A failure as stored on the job. Times are ms since the epoch. */
export interface JobErrorRecord {
  type: ErrorType;
  message: string;
  retryable: boolean;
  /** Upstream HTTP status, or null when there was none (timeout, network). */
  status: number | null;
  at: number;
}

/** The part of a job the state machine owns. Times are ms since the epoch, or null. */
export interface JobState {
  status: JobStatus;
  /** Attempts started so far (a claim counts one). */
  attempts: number;
  maxAttempts: number;
  progress: Progress;
  /** Identifies the handler invocation that holds the lease; null when nobody does. */
  leaseId: string | null;
  leaseExpiresAt: number | null;
  /** Set by a client cancel while processing; the handler honours it at its next check. */
  cancelRequested: boolean;
  nextAttemptAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  error: JobErrorRecord | null;
}

export type JobEvent =
  /** A handler takes the job for one attempt, holding it for `leaseMs`. */
  | { type: "claim"; leaseId: string; leaseMs: number }
  | { type: "progress"; leaseId: string; progress: Progress }
  | { type: "complete"; leaseId: string }
  /** Permanent failure. From processing it needs the lease; a queued job (no holder) needs none. */
  | { type: "fail"; error: JobErrorRecord; leaseId?: string }
  /** A retryable failure with attempts left: back to queued until `nextAttemptAt`. */
  | { type: "retry-scheduled"; leaseId: string; error: JobErrorRecord; nextAttemptAt: number }
  /** A user asks: a queued job ends at once, a processing one is marked for the handler. */
  | { type: "cancel"; source: "client" }
  /** The handler holding the lease stops a job whose cancellation was requested. */
  | { type: "cancel"; source: "handler"; leaseId: string }
  /** The holder of the lease vanished (crash, lost instance): the job is freed or fails. */
  | { type: "lease-expired" }
  /** An operator replays a failed job from the dead-letter queue with a fresh attempt budget. */
  | { type: "requeue"; maxAttempts: number };

export type RejectReason =
  | "illegal-transition"
  | "terminal"
  | "lease-mismatch"
  | "lease-live"
  | "attempts-exhausted"
  | "cancel-requested"
  | "progress-backwards";

export type TransitionResult =
  { ok: true; state: JobState } | { ok: false; reason: RejectReason; message: string };

/** The state of a job as it is accepted. */
export function initialJobState(maxAttempts: number): JobState {
  return {
    status: "queued",
    attempts: 0,
    maxAttempts,
    progress: progressAt("queued"),
    leaseId: null,
    leaseExpiresAt: null,
    cancelRequested: false,
    nextAttemptAt: null,
    startedAt: null,
    finishedAt: null,
    error: null,
  };
}

const reject = (reason: RejectReason, message: string): TransitionResult => ({ ok: false, reason, message });
const accept = (state: JobState): TransitionResult => ({ ok: true, state });

/**
 * The one place that decides whether `event` may happen to a job in `state` at time `now` (ms), and
 * what the job looks like afterwards. Pure: Firestore transactions call it with what they read and
 * write what it returns, so every writer (API, handler, sweeper, admin) obeys the same rules.
 */
export function transition(state: JobState, event: JobEvent, now: number): TransitionResult {
  if (isTerminal(state.status) && event.type !== "requeue") {
    return reject("terminal", `job is ${state.status}; ${event.type} is not allowed`);
  }
  switch (event.type) {
    case "claim":
      return claim(state, event.leaseId, event.leaseMs, now);
    case "progress":
      return progress(state, event.leaseId, event.progress);
    case "complete":
      return holding(state, event.leaseId, "complete", () =>
        state.cancelRequested
          ? reject("cancel-requested", "cancellation was requested; the result must not be stored")
          : accept({
              ...released(state),
              status: "completed",
              progress: progressAt("done"),
              finishedAt: now,
              // Earlier attempts' errors stay in the history; a completed job has no current error.
              error: null,
              nextAttemptAt: null,
            }),
      );
    case "fail":
      return fail(state, event, now);
    case "retry-scheduled":
      return holding(state, event.leaseId, "retry", () => {
        if (state.cancelRequested) return reject("cancel-requested", "cancellation was requested");
        if (state.attempts >= state.maxAttempts) return reject("attempts-exhausted", "no attempts left");
        return accept(requeued(state, event.error, event.nextAttemptAt));
      });
    case "cancel":
      return cancel(state, event, now);
    case "lease-expired":
      return leaseExpired(state, now);
    case "requeue":
      if (state.status !== "failed") return reject("illegal-transition", `only a failed job can be requeued`);
      return accept({ ...initialJobState(event.maxAttempts), startedAt: state.startedAt });
  }
}

function claim(state: JobState, leaseId: string, leaseMs: number, now: number): TransitionResult {
  if (state.status === "processing") {
    return state.leaseExpiresAt !== null && state.leaseExpiresAt > now
      ? reject("lease-live", "another attempt holds a live lease")
      : reject("illegal-transition", "the lease expired; apply lease-expired before claiming");
  }
  if (state.attempts >= state.maxAttempts) return reject("attempts-exhausted", "no attempts left");
  return accept({
    ...state,
    status: "processing",
    attempts: state.attempts + 1,
    leaseId,
    leaseExpiresAt: now + leaseMs,
    progress: progressAt("dequeued"),
    nextAttemptAt: null,
    startedAt: state.startedAt ?? now,
  });
}

function progress(state: JobState, leaseId: string, next: Progress): TransitionResult {
  return holding(state, leaseId, "progress", () => {
    if (next.percent < state.progress.percent) {
      return reject("progress-backwards", `progress ${next.percent} is below ${state.progress.percent}`);
    }
    if (next.stage === "done" || next.percent >= 100) {
      return reject("illegal-transition", "done is reached by complete, not by progress");
    }
    return accept({ ...state, progress: next });
  });
}

function fail(state: JobState, event: Extract<JobEvent, { type: "fail" }>, now: number): TransitionResult {
  const failed = (): TransitionResult =>
    accept({
      ...released(state),
      status: "failed",
      error: event.error,
      finishedAt: now,
      nextAttemptAt: null,
    });
  if (state.status === "queued") return failed();
  return holding(state, event.leaseId ?? null, "fail", () =>
    // The user asked to stop: the job ends cancelled, not failed into the dead-letter queue.
    state.cancelRequested ? reject("cancel-requested", "cancellation was requested") : failed(),
  );
}

function cancel(
  state: JobState,
  event: Extract<JobEvent, { type: "cancel" }>,
  now: number,
): TransitionResult {
  const cancelled = {
    ...released(state),
    status: "cancelled" as const,
    finishedAt: now,
    nextAttemptAt: null,
  };
  if (state.status === "queued") return accept(cancelled);
  // processing: a client can only ask; the handler, which holds the lease, ends it.
  if (event.source === "client") return accept({ ...state, cancelRequested: true });
  return holding(state, event.leaseId, "cancel", () =>
    state.cancelRequested
      ? accept(cancelled)
      : reject("illegal-transition", "the handler cancels only on request"),
  );
}

function leaseExpired(state: JobState, now: number): TransitionResult {
  if (state.status !== "processing")
    return reject("illegal-transition", `job is ${state.status}, not processing`);
  if (state.leaseExpiresAt !== null && state.leaseExpiresAt > now) {
    return reject("lease-live", "the lease has not expired");
  }
  if (state.cancelRequested) {
    return accept({ ...released(state), status: "cancelled", finishedAt: now });
  }
  const error: JobErrorRecord = {
    type: "timeout",
    message: "the attempt's lease expired before it finished (handler crashed or timed out)",
    retryable: true,
    status: null,
    at: now,
  };
  if (state.attempts >= state.maxAttempts) {
    return accept({ ...released(state), status: "failed", error, finishedAt: now });
  }
  return accept(requeued(state, error, now));
}

/** Runs `next` only when the job is processing under `leaseId`. */
function holding(
  state: JobState,
  leaseId: string | null,
  action: string,
  next: () => TransitionResult,
): TransitionResult {
  if (state.status !== "processing")
    return reject("illegal-transition", `cannot ${action} a ${state.status} job`);
  if (leaseId === null || state.leaseId !== leaseId) {
    return reject("lease-mismatch", `cannot ${action}: the lease is held by another attempt`);
  }
  return next();
}

function released(state: JobState): JobState {
  return { ...state, leaseId: null, leaseExpiresAt: null };
}

function requeued(state: JobState, error: JobErrorRecord, nextAttemptAt: number): JobState {
  return { ...released(state), status: "queued", progress: progressAt("queued"), error, nextAttemptAt };
}
