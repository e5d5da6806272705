/** How a failed generation is retried. All durations in ms. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @defaultValue 3 */
  maxAttempts: number;
  /** Delay before the second attempt, in ms; it doubles for each later one. @defaultValue 2_000 */
  baseDelayMs: number;
  /** No delay is longer than this, in ms (an upstream Retry-After may still ask for more). @defaultValue 60_000 */
  maxDelayMs: number;
  /** Relative jitter: each delay is scaled by a factor in [1 − j, 1 + j]. @defaultValue 0.1 (±10%) */
  jitterRatio: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 3,
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  jitterRatio: 0.1,
};

/** A source of uniform numbers in [0, 1), injected so tests can pin the jitter. */
export type Random = () => number;

/**
 * The delay before attempt `attempt` (2 = the first retry): `base · 2^(attempt − 2)`, capped at
 * `maxDelayMs`, scaled by jitter, capped again, and never shorter than the upstream's `Retry-After`.
 * Jitter spreads retries of jobs that failed together (a PixelLab outage) so they do not return
 * together; the Retry-After floor wins over the cap because PixelLab asked for it explicitly.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: Random,
  retryAfterMs?: number,
): number {
  if (!Number.isInteger(attempt) || attempt < 2) {
    throw new RangeError(`attempt must be an integer >= 2 (the first retry), got ${attempt}`);
  }
  // Exponent capped so 2^n cannot overflow to Infinity for absurd attempt numbers.
  const exponential = policy.baseDelayMs * 2 ** Math.min(attempt - 2, 40);
  const capped = Math.min(policy.maxDelayMs, exponential);
  const factor = 1 + policy.jitterRatio * (2 * random() - 1);
  const jittered = Math.min(policy.maxDelayMs, Math.round(capped * factor));
  return Math.max(jittered, Math.ceil(retryAfterMs ?? 0));
}

/** Whether a job that has made `attemptsMade` attempts may make another. */
export function hasAttemptsLeft(attemptsMade: number, policy: Pick<RetryPolicy, "maxAttempts">): boolean {
  return attemptsMade < policy.maxAttempts;
}
