/** Most documents one pass looks at per sweep; the rest wait for the next minute. @defaultValue 500 */
export const SWEEP_MAX_DOCS = 500;

/** Fixes run at once (each is a transaction on its own job). @defaultValue 50 */
export const SWEEP_CONCURRENCY = 50;

/** How many items ended each way; a fix that threw counts as `error`. */
export type Tally<K extends string> = Partial<Record<K | "error", number>>;

/**
 * Runs `fix` on every item, {@link SWEEP_CONCURRENCY} at a time and adds each outcome to `tally`. A fix that throws is reported
 * through `onError` and counted, never thrown: one bad job must not stop the rest of the sweep.
 */
export async function tallyAll<T, K extends string>(
  tally: Tally<K>,
  items: readonly T[],
  fix: (item: T) => Promise<K>,
  onError: (item: T, error: unknown) => void,
): Promise<void> {
  for (let start = 0; start < items.length; start += SWEEP_CONCURRENCY) {
    const chunk = items.slice(start, start + SWEEP_CONCURRENCY);
    const results = await Promise.allSettled(chunk.map(fix));
    results.forEach((result, i) => {
      if (result.status === "rejected") onError(chunk[i] as T, result.reason);
      const key = result.status === "fulfilled" ? result.value : "error";
      tally[key] = (tally[key] ?? 0) + 1;
    });
  }
}
