/** Waits `ms` milliseconds, or rejects with `signal.reason` as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A signal that aborts when the caller's does (with its reason) or when `timeoutMs` passes. */
export interface DeadlineScope {
  signal: AbortSignal;
  /** Clears the timer and the link to the caller's signal; call it once the work is over. */
  dispose(): void;
}

/**
 * Joins a caller's optional signal with an overall deadline. On the deadline the scope aborts with
 * `onTimeout()`'s error, so whatever awaits the scope's signal rejects with that error, and callers
 * need no separate timeout branch.
 */
export function deadlineScope(
  signal: AbortSignal | undefined,
  timeoutMs: number,
  onTimeout: () => Error,
): DeadlineScope {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(onTimeout()), timeoutMs);
  const forward = () => controller.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener("abort", forward, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forward);
    },
  };
}
