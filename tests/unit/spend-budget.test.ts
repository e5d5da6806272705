import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../../shared/backoff.ts";
import { loadConfig } from "../../shared/config.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import type { DecideContext, JobChange } from "../../shared/lifecycle/job-change.ts";
import {
  chargeOf,
  dayEndsAt,
  formatUsd,
  spendDay,
  usdToMicros,
  type JobSpend,
} from "../../shared/spend-budget.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { attemptError, testJob } from "../harness/seed-jobs.ts";

const NOW = Date.UTC(2026, 11, 3, 18, 30);
const ctx: DecideContext = {
  now: NOW,
  random: () => 0.5,
  settings: { retry: DEFAULT_RETRY_POLICY, retryAfterMaxMs: 60_000, deadLetterRetentionMs: 7 * 86_400_000 },
};
const HELD: JobSpend = { day: spendDay(NOW), heldMicros: 50_000, chargedMicros: null };
const image = { base64: "iVBORw0K", width: 1, height: 1, format: "png" as const };

describe("spend amounts and days", () => {
  it.each([
    [0, "0.00"],
    [1_500_000, "1.50"],
    [50_000, "0.05"],
    [12_345, "0.012345"],
    [100_000_000_000, "100000.00"],
  ])("formats %i micro-dollars as %s USD", (micros, text) => {
    expect(formatUsd(micros)).toBe(text);
  });

  it("counts days in UTC and resets at the next midnight", () => {
    expect(new Date(dayEndsAt(spendDay(NOW))).toISOString()).toBe("2026-12-04T00:00:00.000Z");
    expect(spendDay(Date.UTC(2026, 11, 4) - 1)).toBe(spendDay(NOW));
    expect(spendDay(Date.UTC(2026, 11, 4))).toBe(spendDay(NOW) + 1);
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000); // exact in micro-dollars where dollars drift
  });

  it.each([
    { name: "USD usage is the charge", paid: true, usage: { type: "usd", usd: 0.012 }, charge: 12_000 },
    {
      name: "another job's result costs nothing",
      paid: false,
      usage: { type: "usd", usd: 0.012 },
      charge: 0,
    },
    {
      name: "generations keep the hold",
      paid: true,
      usage: { type: "generations", generations: 1 },
      charge: 50_000,
    },
    { name: "no usage keeps the hold", paid: true, usage: null, charge: 50_000 },
    {
      name: "a nonsense amount keeps the hold",
      paid: true,
      usage: { type: "usd", usd: "cheap" },
      charge: 50_000,
    },
  ])("$name", ({ paid, usage, charge }) => {
    expect(chargeOf(50_000, paid, usage)).toBe(charge);
  });
});

describe("a job's end settles its spend", () => {
  const running = (overrides: Partial<Job> = {}) =>
    testJob({
      status: "processing",
      attempts: 1,
      leaseId: "L",
      leaseExpiresAt: NOW + 60_000,
      slot: 1,
      spend: HELD,
      ...overrides,
    });
  const cases: { name: string; job: Job; change: JobChange; charged: number | null }[] = [
    {
      name: "its own result: PixelLab's USD usage",
      job: running(),
      change: {
        type: "result-ready",
        leaseId: "L",
        result: { images: [image], usage: { type: "usd", usd: 0.01 } },
      },
      charged: 10_000,
    },
    {
      name: "another job's result: nothing",
      job: running(),
      change: {
        type: "result-ready",
        leaseId: "L",
        result: { images: [image], usage: { type: "usd", usd: 0.01 } },
        shared: true,
      },
      charged: 0,
    },
    {
      name: "failed before PixelLab started anything: nothing",
      job: running({ attempts: 3 }),
      change: { type: "attempt-failed", leaseId: "L", error: attemptError("upstream", NOW) },
      charged: 0,
    },
    {
      name: "failed after PixelLab started its job: the hold (PixelLab bills at the start)",
      job: running({ attempts: 3, pixellabJobId: "pl-1" }),
      change: { type: "attempt-failed", leaseId: "L", error: attemptError("upstream", NOW) },
      charged: 50_000,
    },
    {
      name: "a retry: still held",
      job: running({ attempts: 1 }),
      change: { type: "attempt-failed", leaseId: "L", error: attemptError("upstream", NOW) },
      charged: null,
    },
    {
      name: "cancelled while queued: nothing",
      job: testJob({ slot: 1, spend: HELD }),
      change: { type: "cancel-requested" },
      charged: 0,
    },
    {
      name: "cancelled while running: held until the handler stops",
      job: running(),
      change: { type: "cancel-requested" },
      charged: null,
    },
  ];
  it.each(cases)("$name", ({ job, change, charged }) => {
    const result = decide(job, change, ctx);
    if (!result.ok) throw new Error(result.message);
    expect(result.decision.job.spend).toEqual({ ...HELD, chargedMicros: charged });
  });

  it("leaves a job without a budget without one", () => {
    const result = decide(running({ spend: null }), cases[0]!.change, ctx);
    expect(result.ok && result.decision.job.spend).toBeNull();
  });
});

describe("the budget's settings", () => {
  it.each([
    { env: {}, budget: 0, anonymous: 0, hold: 50_000 },
    { env: { USER_DAILY_SPEND_USD: "2.5" }, budget: 2_500_000, anonymous: 2_500_000, hold: 50_000 },
    {
      env: { USER_DAILY_SPEND_USD: "10", ANON_DAILY_SPEND_USD: "0.25", SPEND_HOLD_USD: "0.02" },
      budget: 10_000_000,
      anonymous: 250_000,
      hold: 20_000,
    },
  ])("reads $env", ({ env, budget, anonymous, hold }) => {
    const { limits } = loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-spend", ...env });
    expect([limits.dailySpendMicros, limits.anonymous.dailySpendMicros, limits.spendHoldMicros]).toEqual([
      budget,
      anonymous,
      hold,
    ]);
  });

  it.each([
    [
      { USER_DAILY_SPEND_USD: "1.1234567" },
      /^USER_DAILY_SPEND_USD="1.1234567": must be an amount of USD from 0 to 100000 with at most 6 decimals$/,
    ],
    [{ USER_DAILY_SPEND_USD: "-1" }, /^USER_DAILY_SPEND_USD="-1": must be an amount/],
    [{ SPEND_HOLD_USD: "0" }, /^SPEND_HOLD_USD="0": must be more than 0/],
    [
      { USER_DAILY_SPEND_USD: "0.01" },
      /^USER_DAILY_SPEND_USD="0.01": must be 0 \(off\) or at least SPEND_HOLD_USD \(0.05\)$/,
    ],
  ])("refuses %j", (env, message) => {
    let thrown: unknown;
    try {
      loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-spend", ...env });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { problems?: string[] }).problems?.some((p) => message.test(p))).toBe(true);
  });
});
