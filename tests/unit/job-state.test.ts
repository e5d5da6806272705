import { describe, expect, it } from "vitest";
import {
  JOB_STATUSES,
  initialJobState,
  isJobStatus,
  isTerminal,
  transition,
  type JobErrorRecord,
  type JobEvent,
  type JobState,
  type JobStatus,
  type RejectReason,
} from "../../shared/job-state.ts";
import { progressAt, type ProgressStage } from "../../shared/progress.ts";

const NOW = 1_000_000;
const LEASE_MS = 60_000;
/** When the sample retried job first started. */
const T0 = NOW - 9_000;
const ERR: JobErrorRecord = {
  type: "upstream",
  message: "HTTP 503",
  retryable: true,
  status: 503,
  at: NOW - 5,
};
const FATAL: JobErrorRecord = {
  type: "validation",
  message: "HTTP 422",
  retryable: false,
  status: 422,
  at: NOW,
};

/** Sample jobs, one or more per status, built from the initial state. */
const queued = initialJobState(3);
const retrying: JobState = { ...queued, attempts: 1, error: ERR, nextAttemptAt: NOW + 4_000, startedAt: T0 };
const exhaustedQueued: JobState = { ...queued, attempts: 3, startedAt: T0 };
const proc: JobState = {
  ...queued,
  status: "processing",
  attempts: 1,
  leaseId: "L1",
  leaseExpiresAt: NOW + 30_000,
  startedAt: NOW - 1_000,
  progress: { stage: "generating", percent: 40 },
};
const expired: JobState = { ...proc, leaseExpiresAt: NOW - 1 };
const expiresNow: JobState = { ...proc, leaseExpiresAt: NOW };
const asked: JobState = { ...proc, cancelRequested: true };
const lastAttempt: JobState = { ...proc, attempts: 3 };
const lastExpired: JobState = { ...lastAttempt, leaseExpiresAt: NOW - 1 };
const askedExpired: JobState = { ...asked, leaseExpiresAt: NOW - 1 };
const ended = (status: JobStatus): JobState => ({
  ...queued,
  status,
  attempts: 1,
  startedAt: NOW - 5_000,
  finishedAt: NOW - 10,
});
const completed = ended("completed");
const failed: JobState = { ...ended("failed"), attempts: 3, error: FATAL };
const cancelled = ended("cancelled");

/** One event of each type (and each variant) the machine knows. */
const EV = {
  claim: { type: "claim", leaseId: "L2", leaseMs: LEASE_MS },
  progress: { type: "progress", leaseId: "L1", progress: { stage: "generating", percent: 50 } },
  complete: { type: "complete", leaseId: "L1" },
  fail: { type: "fail", leaseId: "L1", error: FATAL },
  failNoLease: { type: "fail", error: FATAL },
  retry: { type: "retry-scheduled", leaseId: "L1", error: ERR, nextAttemptAt: NOW + 4_000 },
  cancelClient: { type: "cancel", source: "client" },
  cancelHandler: { type: "cancel", source: "handler", leaseId: "L1" },
  expire: { type: "lease-expired" },
  requeue: { type: "requeue", maxAttempts: 5 },
} satisfies Record<string, JobEvent>;

const released = { leaseId: null, leaseExpiresAt: null };
const endedNow = { finishedAt: NOW, ...released };
const timeoutError = expect.objectContaining({ type: "timeout", retryable: true, status: null, at: NOW });

interface Case {
  name: string;
  from: JobState;
  event: JobEvent;
  /** Accepted: the fields the new state must have. Rejected: the reason. */
  expected: { ok: true; state: Partial<JobState> } | { ok: false; reason: RejectReason };
}
const ok = (state: Partial<JobState>) => ({ ok: true as const, state });
const no = (reason: RejectReason) => ({ ok: false as const, reason });

const c = (name: string, from: JobState, event: JobEvent, expected: Case["expected"]): Case => {
  return { name, from, event, expected };
};
const progressTo = (stage: ProgressStage, percent: number): JobEvent => ({
  ...EV.progress,
  progress: { stage, percent },
});
const dequeued = { stage: "dequeued", percent: 5 } as const;

const CASES: Case[] = [
  // queued
  c("queued: claim", queued, EV.claim, ok({ status: "processing", attempts: 1, progress: dequeued })),
  c("queued: claim leases", queued, EV.claim, ok({ leaseId: "L2", leaseExpiresAt: NOW + LEASE_MS })),
  c("queued retry: claim", retrying, EV.claim, ok({ attempts: 2, nextAttemptAt: null, startedAt: T0 })),
  c("queued, no attempts left: claim", exhaustedQueued, EV.claim, no("attempts-exhausted")),
  c("queued: progress", queued, EV.progress, no("illegal-transition")),
  c("queued: complete", queued, EV.complete, no("illegal-transition")),
  c("queued: sweeper fail", retrying, EV.failNoLease, ok({ status: "failed", error: FATAL })),
  c("queued: fail clears the retry time", retrying, EV.failNoLease, ok({ nextAttemptAt: null })),
  c("queued: fail with a lease id", queued, EV.fail, ok({ status: "failed", error: FATAL, finishedAt: NOW })),
  c("queued: retry-scheduled", queued, EV.retry, no("illegal-transition")),
  c("queued: client cancel", retrying, EV.cancelClient, ok({ status: "cancelled", nextAttemptAt: null })),
  c("queued: handler cancel", queued, EV.cancelHandler, ok({ status: "cancelled", ...endedNow })),
  c("queued: expire", queued, EV.expire, no("illegal-transition")),
  c("queued: requeue", queued, EV.requeue, no("illegal-transition")),
  // processing
  c("proc, live lease: claim", proc, EV.claim, no("lease-live")),
  c("proc, expired lease: claim", expired, EV.claim, no("illegal-transition")),
  c("proc: progress forward", proc, EV.progress, ok({ progress: { stage: "generating", percent: 50 } })),
  c("proc: progress unchanged", proc, progressTo("generating", 40), ok({ status: "processing" })),
  c("proc: progress backwards", proc, progressTo("dequeued", 5), no("progress-backwards")),
  c("proc: progress to done", proc, progressTo("done", 100), no("illegal-transition")),
  c("proc: progress to 100", proc, progressTo("storing", 100), no("illegal-transition")),
  c("proc: progress, other lease", proc, { ...EV.progress, leaseId: "L9" }, no("lease-mismatch")),
  c("proc: complete", proc, EV.complete, ok({ status: "completed", ...endedNow })),
  c("proc: complete reaches 100%", proc, EV.complete, ok({ progress: progressAt("done") })),
  c(
    "proc after a retry: complete clears the error",
    { ...proc, error: ERR },
    EV.complete,
    ok({ error: null }),
  ),
  c("proc: complete, other lease", proc, { ...EV.complete, leaseId: "L9" }, no("lease-mismatch")),
  c("proc, asked: complete", asked, EV.complete, no("cancel-requested")),
  c("proc: fail", proc, EV.fail, ok({ status: "failed", error: FATAL, ...endedNow })),
  c("proc: fail without lease", proc, EV.failNoLease, no("lease-mismatch")),
  c("proc: retry", proc, EV.retry, ok({ status: "queued", error: ERR, nextAttemptAt: NOW + 4_000 })),
  c("proc: retry resets", proc, EV.retry, ok({ attempts: 1, progress: progressAt("queued"), ...released })),
  c("proc: retry, other lease", proc, { ...EV.retry, leaseId: "L9" }, no("lease-mismatch")),
  c("proc, last attempt: retry", lastAttempt, EV.retry, no("attempts-exhausted")),
  c("proc, asked: retry", asked, EV.retry, no("cancel-requested")),
  c("proc, asked: fail", asked, EV.fail, no("cancel-requested")),
  c("proc: client cancel asks", proc, EV.cancelClient, ok({ status: "processing", cancelRequested: true })),
  c("proc, asked: client cancel again", asked, EV.cancelClient, ok({ status: "processing" })),
  c("proc, not asked: handler cancel", proc, EV.cancelHandler, no("illegal-transition")),
  c("proc, asked: handler cancel", asked, EV.cancelHandler, ok({ status: "cancelled", ...endedNow })),
  c(
    "proc, asked: handler cancel, other lease",
    asked,
    { ...EV.cancelHandler, leaseId: "L9" },
    no("lease-mismatch"),
  ),
  c("proc, live lease: expire", proc, EV.expire, no("lease-live")),
  c("proc, expired: expire", expired, EV.expire, ok({ status: "queued", nextAttemptAt: NOW, ...released })),
  c("proc, expired: expire, error", expired, EV.expire, ok({ attempts: 1, error: timeoutError })),
  c("proc, expires now: expire", expiresNow, EV.expire, ok({ status: "queued", nextAttemptAt: NOW })),
  c("proc, last, expired: expire", lastExpired, EV.expire, ok({ status: "failed", error: timeoutError })),
  c("proc, asked, expired: expire", askedExpired, EV.expire, ok({ status: "cancelled", ...released })),
  c("proc: requeue", proc, EV.requeue, no("illegal-transition")),
  // terminal: only a failed job may be requeued
  c("failed: requeue", failed, EV.requeue, ok({ ...initialJobState(5), startedAt: NOW - 5_000 })),
  c("completed: requeue", completed, EV.requeue, no("illegal-transition")),
  c("cancelled: requeue", cancelled, EV.requeue, no("illegal-transition")),
];

// Every other event from every terminal status is refused as `terminal` (e.g. completing a cancelled job).
const NON_REQUEUE = Object.entries(EV).filter(([, e]) => e.type !== "requeue");
for (const from of [completed, failed, cancelled]) {
  for (const [key, event] of NON_REQUEUE) {
    CASES.push({ name: `${from.status}: ${key}`, from, event, expected: no("terminal") });
  }
}

describe("transition", () => {
  it.each(CASES)("$name", ({ from, event, expected }) => {
    const before = structuredClone(from);
    const result = transition(from, event, NOW);
    expect(from).toEqual(before); // pure: the input is never changed
    if (expected.ok) {
      expect(result).toMatchObject({ ok: true, state: expected.state });
    } else {
      expect(result).toEqual({ ok: false, reason: expected.reason, message: expect.any(String) });
    }
  });

  it("covers every event type from every status", () => {
    const seen = new Set(CASES.map((c) => `${c.from.status}/${c.event.type}`));
    const eventTypes = new Set(Object.values(EV).map((e) => e.type));
    expect(seen.size).toBe(JOB_STATUSES.length * eventTypes.size);
  });

  it("runs a job through a retry to completion", () => {
    const steps: [JobEvent, number][] = [
      [{ type: "claim", leaseId: "a", leaseMs: LEASE_MS }, NOW],
      [{ type: "retry-scheduled", leaseId: "a", error: ERR, nextAttemptAt: NOW + 2_000 }, NOW + 10],
      [{ type: "claim", leaseId: "b", leaseMs: LEASE_MS }, NOW + 2_000],
      [{ type: "progress", leaseId: "b", progress: { stage: "storing", percent: 90 } }, NOW + 3_000],
      [{ type: "complete", leaseId: "b" }, NOW + 4_000],
    ];
    let state = initialJobState(3);
    for (const [event, at] of steps) {
      const result = transition(state, event, at);
      if (!result.ok) throw new Error(`${event.type} rejected: ${result.message}`);
      state = result.state;
    }
    expect(state).toMatchObject({
      status: "completed",
      attempts: 2,
      startedAt: NOW,
      finishedAt: NOW + 4_000,
      leaseId: null,
    });
  });
});

describe("status helpers", () => {
  it.each([
    { status: "queued", terminal: false },
    { status: "processing", terminal: false },
    { status: "completed", terminal: true },
    { status: "failed", terminal: true },
    { status: "cancelled", terminal: true },
  ] as const)("$status is terminal: $terminal", ({ status, terminal }) => {
    expect(isTerminal(status)).toBe(terminal);
    expect(isJobStatus(status)).toBe(true);
  });

  it.each([{ value: "leased" }, { value: "" }, { value: null }, { value: 1 }])(
    "rejects $value as a status",
    ({ value }) => {
      expect(isJobStatus(value)).toBe(false);
    },
  );

  it("starts queued at 0% with nothing held", () => {
    expect(initialJobState(4)).toEqual({
      status: "queued",
      attempts: 0,
      maxAttempts: 4,
      progress: { stage: "queued", percent: 0 },
      leaseId: null,
      leaseExpiresAt: null,
      cancelRequested: false,
      nextAttemptAt: null,
      startedAt: null,
      finishedAt: null,
      error: null,
    });
  });
});
