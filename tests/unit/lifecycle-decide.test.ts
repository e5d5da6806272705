import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../../shared/backoff.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import type { DecideContext, JobChange } from "../../shared/lifecycle/job-change.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { attemptError, failedJob, testJob } from "../harness/seed-jobs.ts";

const NOW = Date.UTC(2026, 11, 1, 12);
const ctx: DecideContext = {
  now: NOW,
  random: () => 0.5, // no jitter
  settings: { retry: DEFAULT_RETRY_POLICY, retryAfterMaxMs: 60_000, deadLetterRetentionMs: 7 * 86_400_000 },
};
const RESULT = { images: [{ base64: "iVBORw0K", width: 1, height: 1, format: "png" as const }], usage: null };
const running = (overrides: Partial<Job> = {}) =>
  testJob({
    status: "processing",
    attempts: 1,
    leaseId: "L",
    leaseExpiresAt: NOW + 60_000,
    slot: 2,
    startedAt: NOW - 5000,
    pixellabJobId: "pl-1",
    ...overrides,
  });

interface Case {
  name: string;
  job: Job;
  change: JobChange;
  /** Expected status after, or the refusal reason. */
  expect:
    | {
        status: Job["status"];
        freeSlot?: number | null;
        deadLetter?: boolean;
        task?: { attempt: number; run: number; notBeforeMs?: number } | null;
        events?: string[];
        pixellabJobId?: string | null;
      }
    | { refused: string };
}

const upstream = attemptError("upstream", NOW);
const cases: Case[] = [
  {
    name: "a queued job is claimed and announced",
    job: testJob({ slot: 0 }),
    change: { type: "claimed", leaseId: "N", attempt: 1 },
    expect: { status: "processing", task: null, events: ["job.started"] },
  },
  {
    name: "an earlier attempt's redelivery during the backoff is stale",
    job: testJob({ attempts: 1, nextAttemptAt: NOW + 5000 }),
    change: { type: "claimed", leaseId: "N", attempt: 1 },
    expect: { refused: "stale-delivery" },
  },
  {
    name: "the retry's own task may claim during the backoff",
    job: testJob({ attempts: 1, nextAttemptAt: NOW + 5000 }),
    change: { type: "claimed", leaseId: "N", attempt: 2 },
    expect: { status: "processing" },
  },
  {
    name: "a live lease is not taken over",
    job: running(),
    change: { type: "claimed", leaseId: "N", attempt: 1 },
    expect: { refused: "lease-live" },
  },
  {
    name: "an expired lease is settled and claimed in one decision",
    job: running({ leaseExpiresAt: NOW - 1 }),
    change: { type: "claimed", leaseId: "N", attempt: 1 },
    expect: { status: "processing", events: ["job.started"], pixellabJobId: "pl-1" },
  },
  {
    name: "an expired last attempt fails into the dead-letter queue instead of being claimed",
    job: running({ leaseExpiresAt: NOW - 1, attempts: 3 }),
    change: { type: "claimed", leaseId: "N", attempt: 3 },
    expect: { status: "failed", freeSlot: 2, deadLetter: true, events: ["job.failed", "job.dead_lettered"] },
  },
  {
    name: "a result completes the job, frees the slot and forgets PixelLab's job",
    job: running(),
    change: { type: "result-ready", leaseId: "L", result: RESULT },
    expect: { status: "completed", freeSlot: 2, task: null, events: ["job.completed"], pixellabJobId: null },
  },
  {
    name: "cancel wins over a result",
    job: running({ cancelRequested: true, slot: null }),
    change: { type: "result-ready", leaseId: "L", result: RESULT },
    expect: { status: "cancelled", freeSlot: null, events: ["job.cancelled"] },
  },
  {
    name: "a result from a lost lease is dropped",
    job: running(),
    change: { type: "result-ready", leaseId: "X", result: RESULT },
    expect: { refused: "lease-lost" },
  },
  {
    name: "a retryable failure with attempts left schedules the next attempt's task",
    job: running(),
    change: { type: "attempt-failed", leaseId: "L", error: upstream },
    expect: {
      status: "queued",
      freeSlot: null,
      deadLetter: false,
      task: { attempt: 2, run: 0, notBeforeMs: NOW + 2000 },
      events: [],
      pixellabJobId: "pl-1",
    },
  },
  {
    name: "a background job that ended badly is not resumed by the retry",
    job: running(),
    change: { type: "attempt-failed", leaseId: "L", error: upstream, pixellabJobEnded: true },
    expect: { status: "queued", pixellabJobId: null },
  },
  {
    name: "Retry-After within the cap is honoured",
    job: running(),
    change: {
      type: "attempt-failed",
      leaseId: "L",
      error: attemptError("rate_limit", NOW),
      retryAfterMs: 30_000,
    },
    expect: { status: "queued", task: { attempt: 2, run: 0, notBeforeMs: NOW + 30_000 } },
  },
  {
    name: "Retry-After beyond the cap fails the job now, dead-lettered",
    job: running(),
    change: {
      type: "attempt-failed",
      leaseId: "L",
      error: attemptError("rate_limit", NOW),
      retryAfterMs: 86_400_000,
    },
    expect: {
      status: "failed",
      freeSlot: 2,
      deadLetter: true,
      task: null,
      events: ["job.failed", "job.dead_lettered"],
    },
  },
  {
    name: "the last attempt's failure is dead-lettered",
    job: running({ attempts: 3 }),
    change: { type: "attempt-failed", leaseId: "L", error: upstream },
    expect: { status: "failed", freeSlot: 2, deadLetter: true },
  },
  {
    name: "a permanent failure is dead-lettered at once",
    job: running(),
    change: { type: "attempt-failed", leaseId: "L", error: attemptError("validation", NOW) },
    expect: { status: "failed", deadLetter: true },
  },
  {
    name: "a failure after a cancel request ends cancelled, not dead-lettered",
    job: running({ cancelRequested: true }),
    change: { type: "attempt-failed", leaseId: "L", error: upstream },
    expect: { status: "cancelled", deadLetter: false, events: ["job.cancelled"] },
  },
  {
    name: "the sweeper requeues an expired lease with a task",
    job: running({ leaseExpiresAt: NOW - 1 }),
    change: { type: "lease-expired", by: "sweeper" },
    expect: { status: "queued", task: { attempt: 2, run: 0, notBeforeMs: NOW }, events: [] },
  },
  {
    name: "an expired lease of a cancel request ends cancelled",
    job: running({ leaseExpiresAt: NOW - 1, cancelRequested: true }),
    change: { type: "lease-expired", by: "sweeper" },
    expect: { status: "cancelled", freeSlot: 2, events: ["job.cancelled"] },
  },
  {
    name: "a live lease is not expired",
    job: running(),
    change: { type: "lease-expired", by: "sweeper" },
    expect: { refused: "lease-live" },
  },
  {
    name: "a crashed holder releases its lease",
    job: running(),
    change: { type: "lease-released", leaseId: "L" },
    expect: { status: "processing" },
  },
  {
    name: "a queued job is cancelled at once, its task deleted",
    job: testJob({ slot: 1, attempts: 1 }),
    change: { type: "cancel-requested" },
    expect: { status: "cancelled", freeSlot: 1, events: ["job.cancelled"] },
  },
  {
    name: "a processing job is marked and its slot freed",
    job: running(),
    change: { type: "cancel-requested" },
    expect: { status: "processing", freeSlot: 2, events: [] },
  },
  {
    name: "a finished job cannot be cancelled",
    job: failedJob("upstream", NOW),
    change: { type: "cancel-requested" },
    expect: { refused: "terminal" },
  },
  {
    name: "a replay requeues a failed job as a new run with a task for attempt 1",
    job: failedJob("upstream", NOW),
    change: { type: "replayed", slot: 3 },
    expect: { status: "queued", task: { attempt: 1, run: 1 }, events: ["job.queued"], pixellabJobId: null },
  },
  {
    name: "a replay of a queued job is refused",
    job: testJob(),
    change: { type: "replayed", slot: null },
    expect: { refused: "not-failed" },
  },
  {
    name: "a swept queued job gets a task under a fresh run",
    job: testJob({ attempts: 1 }),
    change: { type: "swept", attempts: 1, run: 0 },
    expect: { status: "queued", task: { attempt: 2, run: 1 } },
  },
  {
    name: "a swept job that moved on is left alone",
    job: testJob({ attempts: 2 }),
    change: { type: "swept", attempts: 1, run: 0 },
    expect: { refused: "moved-on" },
  },
];

describe("decide: the job lifecycle", () => {
  it.each(cases)("$name", ({ job, change, expect: want }) => {
    const result = decide(job, change, ctx);
    if ("refused" in want) {
      expect(result).toMatchObject({ ok: false, reason: want.refused });
      return;
    }
    if (!result.ok) throw new Error(`refused: ${result.reason} ${result.message}`);
    const d = result.decision;
    expect(d.job.status).toBe(want.status);
    expect(d.job.updatedAt).toBe(NOW);
    if (want.freeSlot !== undefined) expect(d.freeSlot).toBe(want.freeSlot);
    if (want.deadLetter !== undefined) expect(d.deadLetter !== null).toBe(want.deadLetter);
    if (want.task !== undefined) {
      if (want.task === null) expect(d.task).toBeNull();
      else expect(d.task).toMatchObject({ jobId: job.id, ...want.task });
    }
    if (want.events !== undefined) expect(d.events.map((e) => e.type)).toEqual(want.events);
    if (want.pixellabJobId !== undefined) expect(d.job.pixellabJobId).toBe(want.pixellabJobId);
    if (d.job.status === "completed" || d.job.status === "failed" || d.job.status === "cancelled")
      expect(d.job.slot).toBeNull();
  });

  it("records one error per attempt and a dead-letter entry that can replay the job", () => {
    const job = running({
      attempts: 3,
      attemptErrors: [attemptError("timeout", NOW - 2), attemptError("upstream", NOW - 1)],
    });
    const result = decide(job, { type: "attempt-failed", leaseId: "L", error: upstream }, ctx);
    if (!result.ok) throw new Error(result.message);
    expect(result.decision.job.attemptErrors).toHaveLength(3);
    expect(result.decision.deadLetter).toMatchObject({
      jobId: job.id,
      attempts: 3,
      errorType: "upstream",
      failedAt: NOW,
      expireAt: NOW + 7 * 86_400_000,
      job: { input: job.input, cacheKey: job.cacheKey, run: 0 },
    });
    expect(result.decision.deadLetter?.attemptErrors).toHaveLength(3);
  });

  it("says why a Retry-After beyond the cap ended the job", () => {
    const result = decide(
      running(),
      {
        type: "attempt-failed",
        leaseId: "L",
        error: attemptError("rate_limit", NOW),
        retryAfterMs: 86_400_000,
      },
      ctx,
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.decision.job.error?.message).toMatch(
      /retry after 86400 s, beyond the 60 s the queue waits/,
    );
  });

  it("a lost attempt's timeout joins the history when the sweeper settles it", () => {
    const result = decide(
      running({ leaseExpiresAt: NOW - 1 }),
      { type: "lease-expired", by: "sweeper" },
      ctx,
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.decision.job.attemptErrors).toEqual([
      expect.objectContaining({ type: "timeout", at: NOW }),
    ]);
  });
});
