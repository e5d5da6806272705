import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../../shared/backoff.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import { carryOut } from "../../shared/lifecycle/carry-out.ts";
import type { DecideContext, JobChange } from "../../shared/lifecycle/job-change.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { sweep } from "../../shared/sweeper/sweep.ts";
import { WEBHOOK_RECHECK_MS } from "../../shared/sweeper/lost-webhooks.ts";
import { deliverWebhook } from "../../shared/webhooks/deliver-webhook.ts";
import {
  WEBHOOK_ENQUEUE_GRACE_MS,
  WEBHOOK_EVENTS,
  webhookMessageId,
  type JobWebhook,
  type WebhookEvent,
} from "../../shared/webhooks/job-webhook.ts";
import { memoryDeps } from "../harness/memory-deps.ts";
import { attemptError, failedJob, testJob } from "../harness/seed-jobs.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";

const NOW = Date.UTC(2026, 11, 1, 12);
const ctx: DecideContext = {
  now: NOW,
  random: () => 0.5,
  settings: { retry: DEFAULT_RETRY_POLICY, retryAfterMaxMs: 60_000, deadLetterRetentionMs: 7 * 86_400_000 },
};
const RESULT = { images: [{ base64: "iVBORw0K", width: 1, height: 1, format: "png" as const }], usage: null };
const hook = (
  events: WebhookEvent[] = [...WEBHOOK_EVENTS],
  url = "https://hooks.example.com/x",
): JobWebhook => ({
  url,
  events,
  messages: [],
  checkAt: null,
});
const running = (overrides: Partial<Job> = {}) =>
  testJob({
    status: "processing",
    attempts: 1,
    leaseId: "L",
    leaseExpiresAt: NOW + 60_000,
    webhook: hook(),
    ...overrides,
  });

describe("a job's end queues its webhook message, whichever writer ends it", () => {
  const fatal = { ...attemptError("validation", NOW), retryable: false };
  const cases: { name: string; job: Job; change: JobChange; event: WebhookEvent | null }[] = [
    {
      name: "a result",
      job: running(),
      change: { type: "result-ready", leaseId: "L", result: RESULT },
      event: "job.completed",
    },
    {
      name: "a fatal error",
      job: running(),
      change: { type: "attempt-failed", leaseId: "L", error: fatal },
      event: "job.failed",
    },
    {
      name: "the last attempt's lease expiring (sweeper)",
      job: running({ attempts: 3, leaseExpiresAt: NOW - 1 }),
      change: { type: "lease-expired", by: "sweeper" },
      event: "job.failed",
    },
    {
      name: "a queued job's cancel",
      job: running({ status: "queued", leaseId: null, leaseExpiresAt: null }),
      change: { type: "cancel-requested" },
      event: "job.cancelled",
    },
    {
      name: "a running attempt stopping for a cancel",
      job: running({ cancelRequested: true }),
      change: { type: "attempt-cancelled", leaseId: "L" },
      event: "job.cancelled",
    },
    {
      name: "a retryable error (not an end)",
      job: running(),
      change: { type: "attempt-failed", leaseId: "L", error: attemptError("timeout", NOW) },
      event: null,
    },
    {
      name: "progress (not an end)",
      job: running(),
      change: { type: "progress", leaseId: "L", progress: { percent: 40, stage: "generating" } },
      event: null,
    },
    {
      name: "an end the webhook did not ask for",
      job: running({ webhook: hook(["job.failed"]) }),
      change: { type: "result-ready", leaseId: "L", result: RESULT },
      event: null,
    },
    {
      name: "an end of a job without a webhook",
      job: running({ webhook: null }),
      change: { type: "result-ready", leaseId: "L", result: RESULT },
      event: null,
    },
  ];

  it.each(cases)("$name → $event", ({ job, change, event }) => {
    const result = decide(job, change, ctx);
    if (!result.ok) throw new Error(result.message);
    const { decision } = result;
    if (event === null) {
      expect(decision.webhook).toBeNull();
      expect(decision.job.webhook?.messages ?? []).toEqual([]);
      return;
    }
    const id = webhookMessageId(job.id, event, 0);
    expect(decision.webhook).toEqual({ jobId: job.id, messageId: id });
    expect(decision.job.webhook).toMatchObject({
      checkAt: NOW + WEBHOOK_ENQUEUE_GRACE_MS,
      messages: [{ id, type: event, at: NOW, state: "pending", attempts: [] }],
    });
  });

  it("a replayed job's later end is a new message, beside the first", () => {
    const failedWith = failedJob("quota", NOW - 10_000, {
      webhook: {
        ...hook(),
        messages: [
          { id: "msg_x_failed", type: "job.failed", at: NOW - 10_000, state: "delivered", attempts: [] },
        ],
      },
    });
    const replayed = decide(failedWith, { type: "replayed", slot: 0 }, ctx);
    if (!replayed.ok) throw new Error(replayed.message);
    expect(replayed.decision.webhook).toBeNull();
    const job = replayed.decision.job;
    const claimed = decide(job, { type: "claimed", leaseId: "M", attempt: 1 }, ctx);
    if (!claimed.ok) throw new Error(claimed.message);
    const done = decide(claimed.decision.job, { type: "result-ready", leaseId: "M", result: RESULT }, ctx);
    if (!done.ok) throw new Error(done.message);
    expect(done.decision.webhook?.messageId).toBe(webhookMessageId(job.id, "job.completed", 1));
    expect(done.decision.job.webhook?.messages.map((m) => m.id)).toEqual([
      "msg_x_failed",
      `msg_${job.id}_completed_r1`,
    ]);
  });
});

describe("delivering and rescuing webhook messages (in-memory store, real HTTP receiver)", () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.close());
  const localDeps = () =>
    memoryDeps({ TASKS_EMULATOR_HOST: "127.0.0.1:9", WEBHOOK_LOOPBACK_LOCAL_ONLY: "true" });

  async function endedJob(deps: ReturnType<typeof localDeps>, path: string) {
    const job = running({ webhook: hook(undefined, receiver.url(path)) });
    await deps.store.createJob(job);
    const applied = await deps.store.apply(job.id, (j) =>
      decide(j, { type: "result-ready", leaseId: "L", result: RESULT }, { ...ctx, now: Date.now() }),
    );
    if (!applied.ok) throw new Error(applied.message);
    await carryOut(deps, applied);
    return { job, messageId: webhookMessageId(job.id, "job.completed", 0) };
  }

  it("delivers once: a redelivery of a delivered message sends nothing", async () => {
    const deps = localDeps();
    const { job, messageId } = await endedJob(deps, "/once");
    expect(deps.webhooks).toEqual([{ jobId: job.id, messageId }]);
    expect(await deliverWebhook(deps, { jobId: job.id, messageId }, 0)).toMatchObject({ kind: "delivered" });
    expect(await deliverWebhook(deps, { jobId: job.id, messageId }, 1)).toEqual({
      kind: "skipped",
      reason: "not-pending",
    });
    expect(receiver.received.filter((r) => r.path === "/once")).toHaveLength(1);
    expect((await deps.store.getJob(job.id))?.job.webhook?.checkAt).toBeNull();
  });

  it("keeps a message pending while attempts remain, and fails it on the webhook queue's last one", async () => {
    const deps = localDeps();
    const { job, messageId } = await endedJob(deps, "/down");
    receiver.answer({ status: 500 }, { status: 500 });
    const first = await deliverWebhook(deps, { jobId: job.id, messageId }, 0);
    expect(first).toMatchObject({ kind: "retry", attempt: { status: 500, error: null } });
    const pending = (await deps.store.getJob(job.id))?.job.webhook;
    expect(pending?.messages[0]?.state).toBe("pending");
    // The sweeper's next look is after the queue's next retry (10 s backoff, doubled) could have come.
    expect(pending?.checkAt).toBeGreaterThan(Date.now() + 20_000);
    const last = await deliverWebhook(deps, { jobId: job.id, messageId }, 11);
    expect(last).toMatchObject({ kind: "failed", attempt: { status: 500 } });
    const failed = (await deps.store.getJob(job.id))?.job.webhook;
    expect(failed).toMatchObject({ checkAt: null, messages: [{ state: "failed" }] });
    expect(failed?.messages[0]?.attempts.map((a) => a.status)).toEqual([500, 500]);
  });

  it("refuses, for good, a URL that no longer passes the address check, without connecting", async () => {
    const deps = { ...localDeps(), resolveHost: async () => ["10.0.0.3"] };
    const job = running({ webhook: hook(undefined, "http://gone-private.example.test/x") });
    await deps.store.createJob(job);
    const applied = await deps.store.apply(job.id, (j) =>
      decide(j, { type: "result-ready", leaseId: "L", result: RESULT }, ctx),
    );
    if (!applied.ok) throw new Error(applied.message);
    const messageId = webhookMessageId(job.id, "job.completed", 0);
    expect(await deliverWebhook(deps, { jobId: job.id, messageId }, 0)).toMatchObject({
      kind: "refused",
      attempt: { status: null, error: "private" },
    });
  });

  it("the sweeper re-creates the task of a message whose enqueue failed, once its check is due", async () => {
    const deps = localDeps();
    deps.stallEnqueue(new Error("Cloud Tasks unavailable"));
    const { job, messageId } = await endedJob(deps, "/rescued");
    // The end is committed; its webhook task is not.
    expect((await deps.store.getJob(job.id))?.job.status).toBe("completed");
    expect(deps.webhooks).toEqual([]);
    deps.stallEnqueue(undefined);
    const early = await sweep(deps, Date.now());
    expect(early.webhooksRescued).toBe(0);
    const due = Date.now() + WEBHOOK_ENQUEUE_GRACE_MS + 1_000;
    expect((await sweep(deps, due)).webhooksRescued).toBe(1);
    expect(deps.webhooks).toEqual([{ jobId: job.id, messageId }]);
    expect((await deps.store.getJob(job.id))?.job.webhook?.checkAt).toBe(due + WEBHOOK_RECHECK_MS);
    // Looked at again only after the recheck interval.
    expect((await sweep(deps, due + 1_000)).webhooksRescued).toBe(0);
  });
});
