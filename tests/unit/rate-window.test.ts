import { describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { firstSlotToTry, rateWindow, secondsUntilReset } from "../../shared/submission/rate-window.ts";
import { userLimits } from "../../shared/submission/user-limits.ts";

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0); // a whole minute

describe("rate windows are calendar minutes", () => {
  it.each([
    { name: "a minute's first ms", now: T0, startsAt: T0, resetIn: 60 },
    { name: "mid-minute", now: T0 + 29_500, startsAt: T0, resetIn: 31 },
    { name: "its last ms", now: T0 + 59_999, startsAt: T0, resetIn: 1 },
    { name: "the next minute", now: T0 + 60_000, startsAt: T0 + 60_000, resetIn: 60 },
  ])("$name", ({ now, startsAt, resetIn }) => {
    const window = rateWindow(now);
    expect(window).toEqual({ index: startsAt / 60_000, startsAt, endsAt: startsAt + 60_000 });
    expect(secondsUntilReset(window, now)).toBe(resetIn);
  });
});

describe("the first rate slot to try", () => {
  it.each([
    { taken: 0, limit: 60, expected: 0 },
    { taken: 7, limit: 60, expected: 7 },
    { taken: 59, limit: 60, expected: 59 },
    { taken: 60, limit: 60, expected: 59 }, // a count that raced past the limit stays in range
    { taken: 0, limit: 1, expected: 0 },
  ])("$taken taken of $limit → slot $expected", ({ taken, limit, expected }) => {
    expect(firstSlotToTry(taken, limit)).toBe(expected);
  });
});

describe("limits per kind of user", () => {
  const base = { GOOGLE_CLOUD_PROJECT: "demo-limits" };
  it.each([
    {
      name: "signed-in defaults",
      env: {},
      anonymous: false,
      expected: { activeJobs: 5, submitsPerMinute: 60, dailySpendMicros: 0 },
    },
    {
      name: "anonymous defaults",
      env: {},
      anonymous: true,
      expected: { activeJobs: 2, submitsPerMinute: 10, dailySpendMicros: 0 },
    },
    {
      name: "signed-in settings",
      env: { USER_ACTIVE_JOB_LIMIT: "8", USER_SUBMIT_RATE_PER_MIN: "0", USER_DAILY_SPEND_USD: "3" },
      anonymous: false,
      expected: { activeJobs: 8, submitsPerMinute: 0, dailySpendMicros: 3_000_000 },
    },
    {
      name: "anonymous settings leave signed-in ones alone",
      env: {
        ANON_USER_ACTIVE_JOB_LIMIT: "1",
        ANON_SUBMIT_RATE_PER_MIN: "3",
        ANON_DAILY_SPEND_USD: "0.5",
        USER_ACTIVE_JOB_LIMIT: "9",
        USER_DAILY_SPEND_USD: "4",
      },
      anonymous: true,
      expected: { activeJobs: 1, submitsPerMinute: 3, dailySpendMicros: 500_000 },
    },
  ])("$name", ({ env, anonymous, expected }) => {
    expect(userLimits(loadConfig({ ...base, ...env }).limits, anonymous)).toEqual(expected);
  });
});
