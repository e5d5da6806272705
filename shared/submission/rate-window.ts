/** Submission-rate windows are calendar minutes (UTC), so every instance agrees on where one ends. */
export const RATE_WINDOW_MS = 60_000;

/** The fixed window a moment falls in. All times in ms since the epoch. */
export interface RateWindow {
  /** The window's number: minutes since the epoch. Names the window's slot documents. */
  index: number;
  startsAt: number;
  /** When the window's count resets (its first free moment). */
  endsAt: number;
}

export function rateWindow(now: number): RateWindow {
  const index = Math.floor(now / RATE_WINDOW_MS);
  return { index, startsAt: index * RATE_WINDOW_MS, endsAt: (index + 1) * RATE_WINDOW_MS };
}

/** Whole seconds until the window resets, at least 1 (what `Retry-After` says). */
export function secondsUntilReset(window: RateWindow, now: number): number {
  return Math.max(1, Math.ceil((window.endsAt - now) / 1000));
}

/**
 * The slot to try first: the number already taken. Submissions one after another then each take a
 * free slot on the first try; simultaneous ones collide there and walk on to the next.
 */
export function firstSlotToTry(taken: number, limit: number): number {
  return Math.min(Math.max(0, taken), limit - 1);
}
