import { describe, expect, it } from "vitest";
import {
  burstSizeFor,
  createTokenBucket,
  msUntilToken,
  reconfigure,
  refill,
  tryTake,
  type TokenBucket,
} from "../tools/cloud-tasks-emulator/token-bucket.ts";

/** Takes tokens at each time (ms) and reports which takes succeeded. */
function takesAt(bucket: TokenBucket, times: number[]): boolean[] {
  let current = bucket;
  return times.map((t) => {
    const next = tryTake(current, t);
    if (next === undefined) return false;
    current = next;
    return true;
  });
}

describe("token bucket", () => {
  it.each([
    {
      name: "a full bucket bursts its capacity",
      rate: 10,
      capacity: 2,
      times: [0, 0, 0],
      expected: [true, true, false],
    },
    {
      name: "refills one token per 1/rate s",
      rate: 10,
      capacity: 1,
      times: [0, 50, 100, 150, 200],
      expected: [true, false, true, false, true],
    },
    {
      name: "never holds more than its capacity",
      rate: 100,
      capacity: 2,
      times: [0, 10_000, 10_000, 10_000],
      expected: [true, true, true, false],
    },
    {
      name: "a clock going backwards refills nothing",
      rate: 10,
      capacity: 1,
      times: [1_000, 0, 500],
      expected: [true, false, false],
    },
  ])("$name", ({ rate, capacity, times, expected }) => {
    expect(takesAt(createTokenBucket(rate, capacity, times[0] ?? 0), times)).toEqual(expected);
  });

  it.each([
    { name: "token available now", tokens: 1, rate: 10, expected: 0 },
    { name: "empty at 10/s", tokens: 0, rate: 10, expected: 100 },
    { name: "half a token at 2/s", tokens: 0.5, rate: 2, expected: 250 },
    { name: "rate 0 never refills", tokens: 0, rate: 0, expected: Number.POSITIVE_INFINITY },
  ])("msUntilToken: $name", ({ tokens, rate, expected }) => {
    const bucket: TokenBucket = { tokens, updatedAtMs: 0, ratePerSecond: rate, capacity: 5 };
    expect(msUntilToken(bucket, 0)).toBeCloseTo(expected, 6);
  });

  it("keeps earned tokens on reconfigure, capped at the new capacity", () => {
    const bucket = createTokenBucket(10, 100, 0);
    expect(reconfigure(bucket, 1, 3, 0)).toMatchObject({ tokens: 3, capacity: 3, ratePerSecond: 1 });
    expect(refill({ ...bucket, tokens: 0 }, 1_000).tokens).toBe(10);
  });

  it.each([
    { name: "500/s → 100 (documented)", rate: 500, expected: 100 },
    { name: "10/s → 2", rate: 10, expected: 2 },
    { name: "1/s → 1", rate: 1, expected: 1 },
    { name: "fractional rates keep 1", rate: 0.1, expected: 1 },
  ])("burstSizeFor: $name", ({ rate, expected }) => {
    expect(burstSizeFor(rate)).toBe(expected);
  });
});
