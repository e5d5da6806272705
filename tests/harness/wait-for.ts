/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** How long to keep trying, in ms. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Pause between tries, in ms. @defaultValue 50 */
  intervalMs?: number;
  /** Said in the failure message: what we were waiting for. */
  description?: string;
}

/**
 * Polls `condition` until it returns a value other than `undefined`/`false`, and returns that value.
 * Fails with a message naming what was awaited, for how long, and the last error the condition threw,
 * so a hung emulator or a missed state change reads as such instead of as a generic test timeout.
 */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const what = options.description ?? "condition";
  const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
  throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms${cause}`);
}
