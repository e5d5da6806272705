/** How polling backs off after network errors, 429 and 5xx answers. Durations in ms. */
export interface RetryPolicy {
  /** Delay after the first failure, doubled after each further one. @defaultValue 500 */
  baseMs: number;
  /** Cap on the computed delay (a longer `Retry-After` from the server still wins). @defaultValue 10_000 */
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 500, maxMs: 10_000 };

/**
 * The pause before retrying after `failures` consecutive failures (1 = the first): exponential from
 * `baseMs`, capped at `maxMs`, with ±20% jitter so many clients that lost the API at the same moment
 * do not come back in step; never shorter than the server's `Retry-After`.
 */
export function retryDelayMs(
  failures: number,
  policy: RetryPolicy,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, failures - 1);
  const jittered = Math.min(policy.maxMs, exponential) * (0.8 + 0.4 * random());
  return Math.round(Math.max(jittered, (retryAfterSeconds ?? 0) * 1000));
}
