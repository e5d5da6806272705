import type { QueueRunState } from "../ports/task-scheduler.ts";
import type { Job } from "../store/job-document.ts";

export const WAITING_CODES = [
  "in-line",
  "retry-backoff",
  "pixellab-rate-limited",
  "pixellab-concurrency-limit",
  "queue-paused",
] as const;
export type WaitingCode = (typeof WAITING_CODES)[number];

/** Why a queued job has not started yet, as `GET /v1/jobs/{id}` tells its owner. */
export interface Waiting {
  /**
   * - `in-line`: behind other jobs (`position`, `estimatedWaitMs`);
   * - `retry-backoff`: an attempt failed and the next one waits until `until`;
   * - `pixellab-rate-limited`: PixelLab answered 429/529; the next attempt waits until `until`,
   *   which honours PixelLab's `Retry-After` when it sent one;
   * - `pixellab-concurrency-limit`: the PixelLab account runs as many jobs as its plan allows;
   * - `queue-paused`: an operator paused (or disabled) the queue; nothing starts until it resumes.
   */
  code: WaitingCode;
  message: string;
  /** Active jobs admitted before this one (in-line only). */
  position?: number;
  /** About how long until it starts, in ms (in-line only). */
  estimatedWaitMs?: number;
  /** When the next attempt may start, RFC 3339 (the retry cases). */
  until?: string;
  /** Whole seconds until `until`, at least 1 (the retry cases). */
  retryAfterSeconds?: number;
}

/** What the reason is decided from besides the job: all read at the moment of the answer. */
export interface WaitingFacts {
  now: number;
  queueState: QueueRunState;
  /** Active jobs admitted before this one. */
  position: number;
  /** Jobs Cloud Tasks runs at once. */
  concurrency: number;
  /** Typical time of one generation, in ms. */
  expectedJobMs: number;
}

/** The same estimate a submission's 202 gives: the jobs ahead, run `concurrency` at a time. */
export function estimatedWaitMs(position: number, concurrency: number, expectedJobMs: number): number {
  return Math.round((position / concurrency) * expectedJobMs);
}

/** PixelLab's async endpoints say "Too many concurrent jobs" / "Concurrency limit reached" with 429. */
const CONCURRENCY_MESSAGE = /concurren/i;

/** Whether the job is waiting for a scheduled retry at `now`. */
export function inRetryWait(job: Pick<Job, "status" | "nextAttemptAt">, now: number): boolean {
  return job.status === "queued" && job.nextAttemptAt !== null && job.nextAttemptAt > now;
}

/**
 * Why a queued job waits, most binding cause first: a paused queue holds everything, then a
 * scheduled retry (by its cause), then the line. Undefined for a job that is not queued.
 */
export function waitingReason(job: Job, facts: WaitingFacts): Waiting | undefined {
  if (job.status !== "queued") return undefined;
  if (facts.queueState !== "running") {
    return {
      code: "queue-paused",
      message: `The queue is ${facts.queueState} by its operator; the job starts once it runs again.`,
    };
  }
  if (inRetryWait(job, facts.now) && job.nextAttemptAt !== null)
    return retryWait(job, job.nextAttemptAt, facts.now);
  const wait = estimatedWaitMs(facts.position, facts.concurrency, facts.expectedJobMs);
  const ahead = facts.position === 1 ? "1 job is" : `${facts.position} jobs are`;
  return {
    code: "in-line",
    message:
      facts.position < facts.concurrency
        ? `It is at the front of the line (${ahead} ahead, running); it starts as soon as it is dispatched.`
        : `${ahead} ahead of it; it should start in about ${Math.ceil(wait / 1000)} s.`,
    position: facts.position,
    estimatedWaitMs: wait,
  };
}

function retryWait(job: Job, until: number, now: number): Waiting {
  const timing = {
    until: new Date(until).toISOString(),
    retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
  };
  const at = `attempt ${job.attempts + 1} of ${job.maxAttempts} starts at ${timing.until}`;
  const error = job.error;
  if (error?.type === "rate_limit" && error.status === 429 && CONCURRENCY_MESSAGE.test(error.message)) {
    return {
      code: "pixellab-concurrency-limit",
      message: `The PixelLab account is running as many jobs as its plan allows; ${at}.`,
      ...timing,
    };
  }
  if (error?.type === "rate_limit") {
    return {
      code: "pixellab-rate-limited",
      message: `PixelLab asked us to slow down (HTTP ${error.status ?? "429"}); ${at}, after its Retry-After if it sent one.`,
      ...timing,
    };
  }
  const cause = error === null ? "An attempt failed" : `Attempt ${job.attempts} failed (${error.type})`;
  return { code: "retry-backoff", message: `${cause}; ${at}.`, ...timing };
}
