import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  hasAttemptsLeft,
  retryDelayMs,
  type RetryPolicy,
} from "../../shared/backoff.ts";

/** random() = 0.5 gives a jitter factor of exactly 1. */
const MID = () => 0.5;
const LOW = () => 0;
const HIGH = () => 0.999_999;

describe("DEFAULT_RETRY_POLICY", () => {
  it("is 3 attempts, base 2 s, cap 60 s, ±10% jitter", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxAttempts: 3,
      baseDelayMs: 2_000,
      maxDelayMs: 60_000,
      jitterRatio: 0.1,
    });
  });
});

describe("retryDelayMs", () => {
  it.each([
    { name: "first retry is the base", attempt: 2, random: MID, expected: 2_000 },
    { name: "second retry doubles", attempt: 3, random: MID, expected: 4_000 },
    { name: "third retry doubles again", attempt: 4, random: MID, expected: 8_000 },
    { name: "just under the cap", attempt: 6, random: MID, expected: 32_000 },
    { name: "capped at 60 s", attempt: 7, random: MID, expected: 60_000 },
    { name: "absurd attempt stays capped and finite", attempt: 10_000, random: MID, expected: 60_000 },
    { name: "lowest jitter is −10%", attempt: 2, random: LOW, expected: 1_800 },
    { name: "highest jitter is +10%", attempt: 3, random: HIGH, expected: 4_400 },
    { name: "jitter is scaled by random", attempt: 2, random: () => 0.75, expected: 2_100 },
    { name: "jitter never exceeds the cap", attempt: 7, random: HIGH, expected: 60_000 },
    { name: "jitter still lowers a capped delay", attempt: 7, random: LOW, expected: 54_000 },
  ])("$name (attempt $attempt → $expected ms)", ({ attempt, random, expected }) => {
    expect(retryDelayMs(attempt, DEFAULT_RETRY_POLICY, random)).toBe(expected);
  });

  it.each([
    { name: "shorter Retry-After is ignored", attempt: 3, retryAfterMs: 1_000, expected: 4_000 },
    { name: "longer Retry-After is the floor", attempt: 2, retryAfterMs: 7_000, expected: 7_000 },
    { name: "Retry-After beats the cap", attempt: 7, retryAfterMs: 90_000, expected: 90_000 },
    { name: "fractional Retry-After is rounded up", attempt: 2, retryAfterMs: 2_500.2, expected: 2_501 },
    { name: "zero Retry-After changes nothing", attempt: 2, retryAfterMs: 0, expected: 2_000 },
  ])("$name", ({ attempt, retryAfterMs, expected }) => {
    expect(retryDelayMs(attempt, DEFAULT_RETRY_POLICY, MID, retryAfterMs)).toBe(expected);
  });

  it.each([
    { name: "random 0", random: LOW },
    { name: "random 0.25", random: () => 0.25 },
    { name: "random near 1", random: HIGH },
  ])("stays within ±10% of the exponential delay: $name", ({ random }) => {
    for (const [attempt, nominal] of [
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
      [5, 16_000],
    ] as const) {
      const delay = retryDelayMs(attempt, DEFAULT_RETRY_POLICY, random);
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.9);
      expect(delay).toBeLessThanOrEqual(nominal * 1.1);
    }
  });

  it.each([
    {
      name: "custom base and cap",
      policy: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 1_500, jitterRatio: 0 },
      attempt: 3,
      expected: 1_000,
    },
    {
      name: "custom cap reached",
      policy: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 1_500, jitterRatio: 0 },
      attempt: 4,
      expected: 1_500,
    },
    {
      name: "no jitter ignores random",
      policy: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, jitterRatio: 0 },
      attempt: 2,
      expected: 1_000,
    },
  ])("follows the policy: $name", ({ policy, attempt, expected }) => {
    expect(retryDelayMs(attempt, policy satisfies RetryPolicy, LOW)).toBe(expected);
  });

  it.each([
    { name: "attempt 1 (not a retry)", attempt: 1 },
    { name: "attempt 0", attempt: 0 },
    { name: "fractional attempt", attempt: 2.5 },
    { name: "NaN", attempt: Number.NaN },
  ])("refuses $name", ({ attempt }) => {
    expect(() => retryDelayMs(attempt, DEFAULT_RETRY_POLICY, MID)).toThrow(RangeError);
  });
});

describe("hasAttemptsLeft", () => {
  it.each([
    { attemptsMade: 0, maxAttempts: 3, expected: true },
    { attemptsMade: 2, maxAttempts: 3, expected: true },
    { attemptsMade: 3, maxAttempts: 3, expected: false },
    { attemptsMade: 4, maxAttempts: 3, expected: false },
    { attemptsMade: 1, maxAttempts: 1, expected: false },
  ])("$attemptsMade of $maxAttempts made → $expected", ({ attemptsMade, maxAttempts, expected }) => {
    expect(hasAttemptsLeft(attemptsMade, { maxAttempts })).toBe(expected);
  });
});
