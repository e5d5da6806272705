/**
 * The Cloud Tasks retry rules, pure: the backoff formula, the stop rule, the `Retry-After` lower
 * bound and the emulator's backoff scale factor. All durations are in milliseconds.
 */

/** A queue's `RetryConfig` with defaults applied. */
export interface RetryPolicy {
  /** Attempts allowed in total, the first included; -1 = unlimited. @defaultValue 100 */
  maxAttempts: number;
  /** Retry window measured from the first attempt, in ms; 0 = unlimited. @defaultValue 0 */
  maxRetryDurationMs: number;
  /** Smallest delay between attempts, in ms. @defaultValue 100 */
  minBackoffMs: number;
  /** Largest delay between attempts, in ms. @defaultValue 3_600_000 (1 h) */
  maxBackoffMs: number;
  /** How many times the delay doubles before it grows linearly. @defaultValue 16 */
  maxDoublings: number;
}

/** Production's defaults for a queue created through the API. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 100,
  maxRetryDurationMs: 0,
  minBackoffMs: 100,
  maxBackoffMs: 3_600_000,
  maxDoublings: 16,
};

/**
 * The delay before the n-th retry (n = 1 after the first failed attempt), unscaled:
 * `min·2^(n−1)` while n−1 ≤ D, then `min·2^D·(n−D)`, clamped to [min, max].
 * Docs example (10 s, 300 s, D = 3): 10, 20, 40, 80, 160, 240, 300, 300, …
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy): number {
  const n = Math.max(1, Math.floor(retry));
  const d = policy.maxDoublings;
  const raw = n - 1 <= d ? policy.minBackoffMs * 2 ** (n - 1) : policy.minBackoffMs * 2 ** d * (n - d);
  return Math.min(Math.max(raw, policy.minBackoffMs), policy.maxBackoffMs);
}

/** What the stop rule needs to know about a task after a failed attempt. */
export interface AttemptHistory {
  /** Attempts made so far, the failed one included. */
  attempts: number;
  /** When the first attempt was dispatched, epoch ms. */
  firstAttemptAtMs: number;
  /** When the failed attempt ended, epoch ms. */
  nowMs: number;
}

/**
 * Whether a failed task is given up (deleted and its name tombstoned). With A = max_attempts and
 * R = max_retry_duration: A = −1 and R = 0 retry forever; only one set, that one decides; both set,
 * the task stops only once **both** are reached. `scale` shrinks R like every other backoff duration.
 */
export function shouldStopRetrying(history: AttemptHistory, policy: RetryPolicy, scale = 1): boolean {
  const attemptsLimited = policy.maxAttempts !== -1;
  const durationLimited = policy.maxRetryDurationMs > 0;
  const attemptsReached = history.attempts >= policy.maxAttempts;
  const durationReached = history.nowMs - history.firstAttemptAtMs >= policy.maxRetryDurationMs * scale;
  if (!attemptsLimited && !durationLimited) return false;
  if (!attemptsLimited) return durationReached;
  if (!durationLimited) return attemptsReached;
  return attemptsReached && durationReached;
}

/**
 * The delay a `Retry-After` header asks for, in ms, or `undefined` when absent or unreadable.
 * Accepts delta-seconds (`"120"`) and an HTTP-date; a date in the past asks for 0.
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names its weekday and month; this keeps Date.parse from reading "-5" as a year.
  const date = /[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Statuses whose `Retry-After` is honoured: production treats 429 and 503 as throttling. */
export const THROTTLING_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Inputs of {@link nextRetryDelayMs}. */
export interface RetryDelayInput {
  /** n for the n-th retry: the number of attempts made so far (all failed). */
  retry: number;
  policy: RetryPolicy;
  /** Emulator-only factor applied to the backoff (e.g. 0.01); 1 = production timing. */
  scale: number;
  /** HTTP status of the failed attempt, if it got one. */
  status?: number;
  /** What `Retry-After` asked for, in ms (see {@link parseRetryAfterMs}). */
  retryAfterMs?: number;
}

/**
 * The delay until the next attempt: the scaled backoff, but never sooner than a 429/503
 * `Retry-After` asks. `Retry-After` is not scaled: the handler said how long it needs.
 */
export function nextRetryDelayMs(input: RetryDelayInput): number {
  const backoff = backoffDelayMs(input.retry, input.policy) * input.scale;
  const honoured =
    input.status !== undefined && THROTTLING_STATUSES.has(input.status) ? (input.retryAfterMs ?? 0) : 0;
  return Math.max(backoff, honoured);
}
