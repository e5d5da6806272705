import { describe, expect, it } from "vitest";
import type { JobErrorRecord } from "../../shared/job-state.ts";
import { waitingReason, type WaitingFacts } from "../../shared/submission/waiting-reason.ts";
import { testJob } from "../harness/seed-jobs.ts";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const FACTS: WaitingFacts = {
  now: NOW,
  queueState: "running",
  position: 25,
  concurrency: 10,
  expectedJobMs: 30_000,
};
const error = (type: JobErrorRecord["type"], status: number | null, message: string): JobErrorRecord => ({
  type,
  message,
  retryable: true,
  status,
  at: NOW - 1_000,
});
const retrying = (e: JobErrorRecord, inMs = 12_500) =>
  testJob({ attempts: 1, maxAttempts: 3, nextAttemptAt: NOW + inMs, error: e, attemptErrors: [e] });

describe("why a queued job waits", () => {
  it.each([
    {
      name: "in line behind 25 jobs, 10 at a time",
      job: testJob(),
      facts: FACTS,
      expected: {
        code: "in-line",
        position: 25,
        estimatedWaitMs: 75_000,
        message: "25 jobs are ahead of it; it should start in about 75 s.",
      },
    },
    {
      name: "at the front: fewer ahead than run at once",
      job: testJob(),
      facts: { ...FACTS, position: 1 },
      expected: { code: "in-line", position: 1, estimatedWaitMs: 3_000 },
    },
    {
      name: "a scheduled retry after a timeout",
      job: retrying(error("timeout", null, "attempt timed out")),
      facts: FACTS,
      expected: {
        code: "retry-backoff",
        until: "2026-12-03T12:00:12.500Z",
        retryAfterSeconds: 13,
        message: "Attempt 1 failed (timeout); attempt 2 of 3 starts at 2026-12-03T12:00:12.500Z.",
      },
    },
    {
      name: "PixelLab rate-limited the account (Retry-After honoured in nextAttemptAt)",
      job: retrying(error("rate_limit", 429, "Too many requests"), 30_000),
      facts: FACTS,
      expected: { code: "pixellab-rate-limited", retryAfterSeconds: 30, until: "2026-12-03T12:00:30.000Z" },
    },
    {
      name: "PixelLab overloaded (529) is a rate limit too",
      job: retrying(error("rate_limit", 529, "overloaded")),
      facts: FACTS,
      expected: { code: "pixellab-rate-limited" },
    },
    {
      name: "the PixelLab account at its concurrency limit",
      job: retrying(error("rate_limit", 429, "Too many concurrent jobs")),
      facts: FACTS,
      expected: { code: "pixellab-concurrency-limit", retryAfterSeconds: 13 },
    },
    {
      name: "a paused queue holds even a scheduled retry",
      job: retrying(error("upstream", 502, "bad gateway")),
      facts: { ...FACTS, queueState: "paused" as const },
      expected: {
        code: "queue-paused",
        message: "The queue is paused by its operator; the job starts once it runs again.",
      },
    },
    {
      name: "a disabled queue",
      job: testJob(),
      facts: { ...FACTS, queueState: "disabled" as const },
      expected: { code: "queue-paused" },
    },
    {
      name: "a retry whose time has come waits in line again",
      job: retrying(error("upstream", 502, "bad gateway"), -1),
      facts: { ...FACTS, position: 3 },
      expected: { code: "in-line", position: 3 },
    },
  ])("$name", ({ job, facts, expected }) => {
    expect(waitingReason(job, facts)).toMatchObject(expected);
  });

  it.each(["processing", "completed", "failed", "cancelled"] as const)(
    "says nothing for a %s job",
    (status) => {
      expect(waitingReason(testJob({ status }), FACTS)).toBeUndefined();
    },
  );

  it("leaves out what does not apply", () => {
    expect(Object.keys(waitingReason(testJob(), FACTS) ?? {}).sort()).toEqual([
      "code",
      "estimatedWaitMs",
      "message",
      "position",
    ]);
    const retry = waitingReason(retrying(error("timeout", null, "t")), FACTS);
    expect(Object.keys(retry ?? {}).sort()).toEqual(["code", "message", "retryAfterSeconds", "until"]);
  });
});
