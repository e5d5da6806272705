/** A seeded source of numbers in [0, 1): the same seed plans the same run. */
export type Random = () => number;

/** mulberry32: small, fast and good enough to plan a test run (not for anything secret). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An independent stream for one part of the run (the plan, the faults, one user), from the run's seed. */
export function derivedRandom(seed: number, label: string): Random {
  let hash = seed >>> 0;
  for (const char of label) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return seededRandom(hash);
}

/** An integer in [min, max]. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

export function chance(random: Random, probability: number): boolean {
  return random() < probability;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
