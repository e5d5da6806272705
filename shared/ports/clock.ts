/** Time source, injected so tests can pin "now" (ms since the epoch). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
