import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  nextRetryDelayMs,
  parseRetryAfterMs,
  shouldStopRetrying,
  type RetryPolicy,
} from "../tools/cloud-tasks-emulator/retry-schedule.ts";

const docsExample: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  minBackoffMs: 10_000,
  maxBackoffMs: 300_000,
  maxDoublings: 3,
};

describe("backoffDelayMs", () => {
  it("reproduces the documented example 10, 20, 40, 80, 160, 240, 300, 300 s", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, docsExample) / 1000);
    expect(delays).toEqual([10, 20, 40, 80, 160, 240, 300, 300]);
  });

  it.each([
    { name: "defaults: first retry is min_backoff", retry: 1, policy: DEFAULT_RETRY_POLICY, expected: 100 },
    {
      name: "defaults: retry 16 is still below the cap",
      retry: 16,
      policy: DEFAULT_RETRY_POLICY,
      expected: 3_276_800,
    },
    {
      name: "defaults: retry 17 reaches the 1 h cap",
      retry: 17,
      policy: DEFAULT_RETRY_POLICY,
      expected: 3_600_000,
    },
    {
      name: "no doublings grows linearly",
      retry: 3,
      policy: { ...docsExample, maxDoublings: 0 },
      expected: 30_000,
    },
    { name: "retry 0 is treated as the first", retry: 0, policy: docsExample, expected: 10_000 },
    {
      name: "min equal to max is constant",
      retry: 9,
      policy: { ...docsExample, maxBackoffMs: 10_000 },
      expected: 10_000,
    },
  ])("$name", ({ retry, policy, expected }) => {
    expect(backoffDelayMs(retry, policy)).toBe(expected);
  });
});

describe("shouldStopRetrying", () => {
  const at = (attempts: number, elapsedMs: number) => ({
    attempts,
    firstAttemptAtMs: 1_000,
    nowMs: 1_000 + elapsedMs,
  });
  const policy = (maxAttempts: number, maxRetryDurationMs: number): RetryPolicy => ({
    ...DEFAULT_RETRY_POLICY,
    maxAttempts,
    maxRetryDurationMs,
  });
  it.each([
    {
      name: "unlimited both: never stops",
      policy: policy(-1, 0),
      history: at(10_000, 1e9),
      scale: 1,
      stop: false,
    },
    { name: "attempts only: below max", policy: policy(3, 0), history: at(2, 1e9), scale: 1, stop: false },
    { name: "attempts only: at max", policy: policy(3, 0), history: at(3, 0), scale: 1, stop: true },
    {
      name: "duration only: within window",
      policy: policy(-1, 60_000),
      history: at(50, 59_999),
      scale: 1,
      stop: false,
    },
    {
      name: "duration only: window passed",
      policy: policy(-1, 60_000),
      history: at(2, 60_000),
      scale: 1,
      stop: true,
    },
    {
      name: "both: attempts reached, window open",
      policy: policy(3, 60_000),
      history: at(5, 1_000),
      scale: 1,
      stop: false,
    },
    {
      name: "both: window passed, attempts left",
      policy: policy(3, 60_000),
      history: at(2, 90_000),
      scale: 1,
      stop: false,
    },
    { name: "both reached", policy: policy(3, 60_000), history: at(3, 60_000), scale: 1, stop: true },
    {
      name: "scale shrinks the window",
      policy: policy(-1, 60_000),
      history: at(2, 600),
      scale: 0.01,
      stop: true,
    },
  ])("$name", ({ policy: p, history, scale, stop }) => {
    expect(shouldStopRetrying(history, p, scale)).toBe(stop);
  });
});

describe("parseRetryAfterMs", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it.each([
    { name: "absent", header: undefined, expected: undefined },
    { name: "delta seconds", header: "120", expected: 120_000 },
    { name: "delta with spaces", header: " 3 ", expected: 3_000 },
    { name: "HTTP date ahead", header: "Wed, 01 Jan 2025 00:00:05 GMT", expected: 5_000 },
    { name: "HTTP date in the past", header: "Tue, 31 Dec 2024 23:00:00 GMT", expected: 0 },
    { name: "garbage", header: "soon", expected: undefined },
    { name: "negative is not delta-seconds", header: "-5", expected: undefined },
  ])("$name", ({ header, expected }) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });
});

describe("nextRetryDelayMs", () => {
  it.each([
    { name: "scaled backoff", input: { retry: 2, status: 500 }, expected: 2 },
    {
      name: "429 Retry-After is a lower bound",
      input: { retry: 1, status: 429, retryAfterMs: 1_000 },
      expected: 1_000,
    },
    {
      name: "503 Retry-After is a lower bound",
      input: { retry: 1, status: 503, retryAfterMs: 2_000 },
      expected: 2_000,
    },
    {
      name: "a longer backoff wins over Retry-After",
      input: { retry: 20, status: 503, retryAfterMs: 1 },
      expected: 36_000,
    },
    {
      name: "500 Retry-After is ignored",
      input: { retry: 1, status: 500, retryAfterMs: 5_000 },
      expected: 1,
    },
    { name: "no status (timeout)", input: { retry: 3 }, expected: 4 },
  ])("$name", ({ input, expected }) => {
    expect(nextRetryDelayMs({ policy: DEFAULT_RETRY_POLICY, scale: 0.01, ...input })).toBeCloseTo(
      expected,
      9,
    );
  });
});
