import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../../shared/backoff.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import type { DecideContext } from "../../shared/lifecycle/job-change.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { AlreadyExistsError, type JobStore } from "../../shared/store/job-store.ts";
import { attemptError, failedJob, testJob } from "../harness/seed-jobs.ts";
import {
  WEBHOOK_ENQUEUE_GRACE_MS,
  WEBHOOK_EVENTS,
  webhookMessageId,
} from "../../shared/webhooks/job-webhook.ts";

const NOW = Date.UTC(2026, 11, 1, 12);
const ctx = (now = NOW): DecideContext => ({
  now,
  random: () => 0.5,
  settings: { retry: DEFAULT_RETRY_POLICY, retryAfterMaxMs: 60_000, deadLetterRetentionMs: 7 * 86_400_000 },
});
const RESULT = { images: [{ base64: "iVBORw0K", width: 1, height: 1, format: "png" as const }], usage: null };

/**
 * The behaviour every {@link JobStore} must have, run against the in-memory store (unit tier) and
 * the Firestore store on the emulator (integration tier), so use-case tests on the fast one hold for
 * the real one. `make` returns a store over an empty database.
 */
export function jobStoreContract(name: string, make: () => Promise<JobStore>) {
  describe(`JobStore contract: ${name}`, () => {
    async function withJob(overrides: Partial<Job> = {}) {
      const store = await make();
      const job = testJob({ createdAt: NOW - 1000, updatedAt: NOW - 1000, ...overrides });
      await store.createJob(job);
      return { store, job };
    }

    it("creates a job once, reads it back with a version, and deletes it", async () => {
      const { store, job } = await withJob();
      await expect(store.createJob(job)).rejects.toBeInstanceOf(AlreadyExistsError);
      const read = await store.getJob(job.id);
      expect(read?.job).toEqual(job);
      expect(read?.version).toMatch(/^\d+$/);
      await store.deleteJob(job.id);
      expect(await store.getJob(job.id)).toBeUndefined();
    });

    it("applies a decision in one step: job, freed slot and dead letter; a refusal writes nothing", async () => {
      const { store, job } = await withJob({
        status: "processing",
        attempts: 3,
        leaseId: "L",
        leaseExpiresAt: NOW + 60_000,
        slot: 0,
      });
      expect(await store.acquireSlot(job.userId, job.id, 2, NOW)).toBe(0);
      const refused = await store.apply(job.id, (j) =>
        decide(j, { type: "result-ready", leaseId: "other", result: RESULT }, ctx()),
      );
      expect(refused).toMatchObject({ ok: false, reason: "lease-lost" });
      expect((await store.getJob(job.id))?.job).toEqual(job);
      const error = attemptError("validation", NOW);
      const applied = await store.apply(job.id, (j) =>
        decide(j, { type: "attempt-failed", leaseId: "L", error }, ctx()),
      );
      expect(applied.ok).toBe(true);
      const stored = (await store.getJob(job.id))?.job;
      expect(stored).toMatchObject({ status: "failed", slot: null, leaseId: null, attemptErrors: [error] });
      expect(await store.heldSlots(job.userId)).toBe(0);
      expect(await store.getDeadLetter(job.id)).toMatchObject({
        jobId: job.id,
        errorType: "validation",
        attemptErrors: [error],
      });
      expect((await store.apply("nope", (j) => decide(j, { type: "cancel-requested" }, ctx()))).ok).toBe(
        false,
      );
    });

    it("a decision frees the job's own slot; releaseSlot frees one only while it names the job", async () => {
      const { store, job } = await withJob({ slot: 0 });
      expect(await store.acquireSlot(job.userId, job.id, 2, NOW)).toBe(0);
      await store.apply(job.id, (j) => decide(j, { type: "cancel-requested" }, ctx()));
      expect(await store.heldSlots(job.userId)).toBe(0);
      const other = testJob({ userId: job.userId });
      expect(await store.acquireSlot(job.userId, other.id, 2, NOW)).toBe(0);
      expect(await store.releaseSlot(job.userId, 0, job.id)).toBe(false);
      expect(await store.heldSlots(job.userId)).toBe(1);
      expect(await store.acquireSlot("someone-else", "j-else", 2, NOW)).toBe(0);
      expect(await store.countAllSlots()).toBe(2);
      expect(await store.releaseSlot(job.userId, 0, other.id)).toBe(true);
      expect(await store.heldSlots(job.userId)).toBe(0);
      expect(await store.countAllSlots()).toBe(1);
    });

    it("hands out at most `limit` slots per user and lists old ones with their jobs", async () => {
      const { store, job } = await withJob();
      expect(await store.acquireSlot(job.userId, job.id, 2, NOW - 10_000)).toBe(0);
      expect(await store.acquireSlot(job.userId, "j2", 2, NOW)).toBe(1);
      expect(await store.acquireSlot(job.userId, "j3", 2, NOW)).toBeUndefined();
      const old = await store.oldSlots(NOW - 5_000, 10);
      expect(old).toEqual([{ userId: job.userId, slot: 0, jobId: job.id, acquiredAt: NOW - 10_000, job }]);
    });

    it("lane counts: each lane's slots, all of them or those acquired before a time", async () => {
      const store = await make();
      await store.acquireSlot("lane-a", "j1", 5, NOW - 3000, "interactive");
      await store.acquireSlot("lane-a", "j2", 5, NOW - 2000, "batch");
      await store.acquireSlot("lane-b", "j3", 5, NOW - 1000, "batch");
      await store.acquireSlot("lane-b", "j4", 5, NOW, "interactive");
      expect(await store.countAllSlots()).toBe(4);
      expect([await store.countLaneSlots("interactive"), await store.countLaneSlots("batch")]).toEqual([
        2, 2,
      ]);
      expect(await store.countLaneSlots("batch", NOW - 1000)).toBe(1);
      expect(await store.countLaneSlots("interactive", NOW)).toBe(1);
      await store.releaseSlot("lane-a", 1, "j2");
      expect(await store.countLaneSlots("batch")).toBe(1);
    });

    it("rate slots: exactly `limit` per user and minute, even taken at once; a given-back slot is free again", async () => {
      const { store } = await withJob();
      const user = `rate-${Math.random().toString(36).slice(2)}`;
      const taken = await Promise.all(
        Array.from({ length: 8 }, () => store.takeRateSlot(user, 100, 3, NOW + 60_000)),
      );
      expect(taken.filter((s) => s !== undefined).sort()).toEqual([0, 1, 2]);
      expect(await store.takeRateSlot(user, 100, 3, NOW)).toBeUndefined();
      // Another minute, and another user, count apart.
      expect(await store.takeRateSlot(user, 101, 3, NOW)).toBe(0);
      expect(await store.takeRateSlot(`${user}-other`, 100, 3, NOW)).toBe(0);
      await store.releaseRateSlot(user, 100, 1);
      expect(await store.takeRateSlot(user, 100, 3, NOW)).toBe(1);
      expect(await store.takeRateSlot(user, 100, 3, NOW)).toBeUndefined();
    });

    it("spend ledger: a day's total sums holds and charges; a job's end writes its charge with it; an undo drops its hold", async () => {
      const day = Math.floor(NOW / 86_400_000);
      const held = { day, heldMicros: 40_000, chargedMicros: null };
      const { store, job } = await withJob({
        status: "processing",
        attempts: 1,
        leaseId: "L",
        leaseExpiresAt: NOW + 60_000,
        spend: held,
      });
      await store.holdSpend(job.userId, job.id, held, "1");
      await expect(store.holdSpend(job.userId, job.id, held, "1")).rejects.toBeDefined(); // one entry per job
      await Promise.all(
        ["2", "3"].map((order) => store.holdSpend(job.userId, `${job.id}-${order}`, held, order)),
      );
      await store.holdSpend(job.userId, `${job.id}-tomorrow`, { ...held, day: day + 1 }, "0");
      await store.holdSpend(`${job.userId}-other`, `${job.id}-d`, held, "0");
      expect(await store.daySpend(job.userId, day)).toBe(120_000);
      expect(await store.daySpend(job.userId, day, "2")).toBe(80_000); // the holds ranked up to "2"
      await store.dropSpend(job.userId, day, `${job.id}-3`);
      expect(await store.daySpend(job.userId, day)).toBe(80_000);
      const paid = { ...RESULT, usage: { type: "usd", usd: 0.012345 } };
      const applied = await store.apply(job.id, (j) =>
        decide(j, { type: "result-ready", leaseId: "L", result: paid }, ctx()),
      );
      expect(applied.ok).toBe(true);
      expect((await store.getJob(job.id))?.job.spend).toEqual({ ...held, chargedMicros: 12_345 });
      expect(await store.daySpend(job.userId, day)).toBe(52_345);
      expect(await store.daySpend(job.userId, day, "1")).toBe(12_345); // the charge keeps its rank
      expect(await store.daySpend(job.userId, day + 1)).toBe(40_000);
      expect(await store.daySpend(`${job.userId}-nobody`, day)).toBe(0);
    });

    it("dedup claims: pending unless born admitted, dropped only by their job, replaced when stale or forced", async () => {
      const { store, job } = await withJob();
      const claim = {
        userId: job.userId,
        cacheKey: job.cacheKey,
        now: NOW,
        windowMs: 10_000,
        admitted: false,
      };
      expect(await store.takeClaim({ ...claim, jobId: job.id })).toEqual({ won: true });
      expect(await store.findClaim(job.userId, job.cacheKey, NOW, 10_000)).toEqual({
        jobId: job.id,
        admitted: false,
        job, // read with the claim, so a duplicate's answer needs no second read
      });
      expect(await store.takeClaim({ ...claim, jobId: "b" })).toEqual({
        won: false,
        claim: { jobId: job.id, admitted: false },
      });
      const admitted = { ...claim, cacheKey: "other-key", jobId: job.id, admitted: true };
      expect(await store.takeClaim(admitted)).toEqual({ won: true });
      expect(await store.findClaim(job.userId, "other-key", NOW, 10_000)).toMatchObject({
        jobId: job.id,
        admitted: true,
      });
      await store.dropClaim(job.userId, job.cacheKey, "b");
      expect(await store.findClaim(job.userId, job.cacheKey, NOW, 10_000)).toBeDefined();
      expect(await store.takeClaim({ ...claim, jobId: "c", force: true })).toEqual({ won: true });
      expect(await store.findClaim(job.userId, job.cacheKey, NOW, 10_000)).toEqual({
        jobId: "c",
        admitted: false,
      });
      await store.dropClaim(job.userId, job.cacheKey, "c");
      expect(await store.findClaim(job.userId, job.cacheKey, NOW, 10_000)).toBeUndefined();
    });

    it("a claim stops holding once its job is cancelled or asked to cancel", async () => {
      const { store, job } = await withJob({
        status: "processing",
        leaseId: "L",
        leaseExpiresAt: NOW + 60_000,
        attempts: 1,
      });
      const claim = {
        userId: job.userId,
        cacheKey: job.cacheKey,
        now: NOW,
        windowMs: 10_000,
        admitted: true,
      };
      await store.takeClaim({ ...claim, jobId: job.id });
      await store.apply(job.id, (j) => decide(j, { type: "cancel-requested" }, ctx()));
      expect(await store.findClaim(job.userId, job.cacheKey, NOW, 10_000)).toBeUndefined();
      expect(await store.takeClaim({ ...claim, jobId: "new-try" })).toEqual({ won: true });
    });

    it("applies on a known version without reading; a change meanwhile is decided again on what is stored", async () => {
      const { store, job } = await withJob({
        status: "processing",
        attempts: 1,
        leaseId: "L",
        leaseExpiresAt: NOW + 60_000,
      });
      const v0 = (await store.getJob(job.id))!;
      const progress = (percent: number) => ({
        type: "progress" as const,
        leaseId: "L",
        progress: { stage: "generating" as const, percent },
      });
      const wrote = await store.apply(job.id, (j) => decide(j, progress(10), ctx()), v0);
      if (!wrote.ok) throw new Error(wrote.message);
      expect(wrote.version).not.toBe(v0.version);
      expect((await store.getJob(job.id))?.version).toBe(wrote.version);
      const mine = { job: wrote.decision.job, version: wrote.version };
      // The user asks to cancel: the attempt's next write on its remembered version sees it.
      await store.apply(job.id, (j) => decide(j, { type: "cancel-requested" }, ctx()));
      const next = await store.apply(job.id, (j) => decide(j, progress(50), ctx()), mine);
      expect(next).toMatchObject({
        ok: true,
        decision: { job: { cancelRequested: true, progress: { percent: 50 } } },
      });
      const settled = await store.apply(
        job.id,
        (j) => decide(j, { type: "result-ready", leaseId: "L", result: RESULT }, ctx()),
        mine,
      );
      expect(settled).toMatchObject({ ok: true, decision: { job: { status: "cancelled" } } });
      expect((await store.getJob(job.id))?.job.status).toBe("cancelled");
    });

    it("single-flight: one job leads, others follow until its result is stored; a failed or lapsed leader lets the next lead", async () => {
      const store = await make();
      const now = Date.now();
      type Extra = Partial<{ until: number; now: number; acceptFrom: number }>;
      const ask = (key: string, jobId: string, extra: Extra = {}) =>
        store.startFlight(key, { jobId, until: now + 60_000, now, acceptFrom: now - 1_000, ...extra });
      expect(await ask("k1", "A")).toEqual({ kind: "lead" });
      expect(await ask("k1", "B")).toEqual({ kind: "follow", jobId: "A", until: now + 60_000 });
      expect(await ask("k1", "A")).toEqual({ kind: "lead" }); // a redelivery of the leader's attempt
      expect(await store.getCacheEntry("k1")).toBeUndefined(); // a flight is not a result
      const waiting = store.awaitFlight("k1", "A", 30_000, new AbortController().signal).then(() => "ended");
      const entry = { result: RESULT, jobId: "A", createdAt: now, expireAt: now + 86_400_000 };
      await store.putCacheEntry("k1", entry);
      expect(await waiting).toBe("ended");
      expect(await ask("k1", "B")).toMatchObject({ kind: "stored", entry: { jobId: "A", result: RESULT } });
      // A bypassing job declines a result older than itself and leads; others are still served it.
      expect(await ask("k1", "C", { acceptFrom: now + 1 })).toEqual({ kind: "lead" });
      expect((await store.getCacheEntry("k1"))?.jobId).toBe("A");

      expect(await ask("k2", "A")).toEqual({ kind: "lead" });
      await store.endFlight("k2", "B"); // not B's flight: nothing happens
      expect(await ask("k2", "B")).toMatchObject({ kind: "follow", jobId: "A" });
      await store.endFlight("k2", "A");
      expect(await ask("k2", "B", { until: now + 1_000 })).toEqual({ kind: "lead" });
      expect(await ask("k2", "C", { now: now + 2_000 })).toEqual({ kind: "lead" }); // B's flight lapsed
    });

    it("idempotency keys: new, in progress, replay, mismatch, abandon", async () => {
      const store = await make();
      expect(await store.startIdempotent("u", "k", "f1", NOW)).toEqual({ kind: "new" });
      expect(await store.startIdempotent("u", "k", "f1", NOW + 1)).toEqual({ kind: "in-progress" });
      expect(await store.startIdempotent("u", "k", "f2", NOW + 1)).toEqual({ kind: "mismatch" });
      const response = { status: 202, body: { jobId: "j" }, location: "/v1/jobs/j" };
      await store.finishIdempotent("u", "k", response);
      expect(await store.startIdempotent("u", "k", "f1", NOW + 2)).toEqual({ kind: "replay", response });
      await store.abandonIdempotent("u", "k");
      expect(await store.startIdempotent("u", "k", "f2", NOW + 3)).toEqual({ kind: "new" });
      expect(await store.startIdempotent("other", "k", "f1", NOW)).toEqual({ kind: "new" });
    });

    it("cache entries keep who produced them and count hits", async () => {
      const store = await make();
      expect(await store.getCacheEntry("key")).toBeUndefined();
      await store.putCacheEntry("key", { result: RESULT, jobId: "j1", createdAt: NOW, expireAt: NOW + 1000 });
      await store.addCacheHits("key", 3, NOW);
      await store.addCacheHits("missing", 1, NOW);
      expect(await store.getCacheEntry("key")).toEqual({
        result: RESULT,
        jobId: "j1",
        createdAt: NOW,
        expireAt: NOW + 1000,
        hits: 3,
      });
      expect(await store.getCacheEntry("missing")).toBeUndefined();
    });

    it("dead letters page newest first, filter by error type, and delete once", async () => {
      const store = await make();
      const jobs = [
        failedJob("timeout", NOW - 3000),
        failedJob("quota", NOW - 2000),
        failedJob("timeout", NOW - 1000),
      ];
      for (const job of jobs) {
        await store.createJob({
          ...job,
          status: "processing",
          leaseId: "L",
          leaseExpiresAt: NOW + 9e5,
          error: null,
          finishedAt: null,
          attemptErrors: [],
        });
        const error = job.error ?? attemptError("timeout", NOW);
        await store.apply(job.id, (j) =>
          decide(
            j,
            { type: "attempt-failed", leaseId: "L", error: { ...error, retryable: false } },
            ctx(job.finishedAt ?? NOW),
          ),
        );
      }
      const first = await store.listDeadLetters({ limit: 2 });
      expect(first.entries.map((e) => e.jobId)).toEqual([jobs[2]?.id, jobs[1]?.id]);
      const rest = await store.listDeadLetters({ limit: 2, cursor: first.nextCursor ?? undefined });
      expect(rest).toEqual({ entries: [expect.objectContaining({ jobId: jobs[0]?.id })], nextCursor: null });
      const timeouts = await store.listDeadLetters({ limit: 10, errorType: "timeout" });
      expect(timeouts.entries.map((e) => e.jobId)).toEqual([jobs[2]?.id, jobs[0]?.id]);
      expect(await store.deleteDeadLetter(jobs[1]?.id ?? "")).toBe(true);
      expect(await store.deleteDeadLetter(jobs[1]?.id ?? "")).toBe(false);
    });

    it("lists a user's jobs newest first in pages, by status", async () => {
      const store = await make();
      const userId = "lister";
      const jobs = [1, 2, 3].map((n) =>
        testJob({ userId, createdAt: NOW + n, updatedAt: NOW + n, status: n === 2 ? "completed" : "queued" }),
      );
      for (const job of jobs) await store.createJob(job);
      const page = await store.listUserJobs(userId, { limit: 2 });
      expect(page.jobs.map((j) => j.id)).toEqual([jobs[2]?.id, jobs[1]?.id]);
      const next = await store.listUserJobs(userId, { limit: 2, cursor: page.nextCursor ?? undefined });
      expect(next).toEqual({ jobs: [jobs[0]], nextCursor: null });
      expect((await store.listUserJobs(userId, { limit: 5, status: "completed" })).jobs).toEqual([jobs[1]]);
      expect(await store.countActiveJobs()).toBe(2);
      await expect(store.listUserJobs(userId, { limit: 2, cursor: "junk" })).rejects.toBeInstanceOf(
        RangeError,
      );
    });

    it("the sweeper's queries find expired leases and stale queued jobs, oldest first", async () => {
      const store = await make();
      const lost = testJob({ status: "processing", leaseId: "L", leaseExpiresAt: NOW - 5, attempts: 1 });
      const live = testJob({ status: "processing", leaseId: "M", leaseExpiresAt: NOW + 60_000, attempts: 1 });
      const stale = testJob({ updatedAt: NOW - 300_000 });
      const fresh = testJob({ updatedAt: NOW });
      for (const job of [lost, live, stale, fresh]) await store.createJob(job);
      expect(await store.expiredLeases(NOW, 10)).toEqual([lost.id]);
      expect(await store.staleQueued(NOW - 120_000, 10)).toEqual([stale]);
    });

    it("watches and long-polls a job: each write is seen, a timeout answers undefined", async () => {
      const { store, job } = await withJob();
      const seen: (string | undefined)[] = [];
      const stop = store.watchJob(job.id, (j) => seen.push(j?.status));
      const version = (await store.getJob(job.id))?.version ?? "";
      expect(await store.waitForJobChange(job.id, version, 50)).toBeUndefined();
      const waiting = store.waitForJobChange(job.id, version, 10_000);
      await store.apply(job.id, (j) => decide(j, { type: "cancel-requested" }, ctx()));
      expect((await waiting)?.job.status).toBe("cancelled");
      await expect.poll(() => seen.at(-1)).toBe("cancelled");
      stop();
    });

    it("counts the queue for its gauges, and records a threshold crossing once until it is cleared", async () => {
      const store = await make();
      const jobs = [
        testJob({ userId: "a", createdAt: NOW - 90_000 }),
        testJob({ userId: "a", createdAt: NOW - 10_000 }),
        testJob({ userId: "b", createdAt: NOW - 300_000, attempts: 1, nextAttemptAt: NOW + 5_000 }),
        testJob({ userId: "c", createdAt: NOW - 1, attempts: 1, nextAttemptAt: NOW - 1 }),
        testJob({ userId: "d", status: "processing", attempts: 1, leaseId: "L", leaseExpiresAt: NOW + 9e5 }),
        testJob({ userId: "e", status: "completed", finishedAt: NOW }),
      ];
      for (const job of jobs) {
        await store.createJob(job);
        if (job.status !== "completed") await store.acquireSlot(job.userId, job.id, 5, NOW);
      }
      const failing = testJob({ status: "processing", attempts: 3, leaseId: "M", leaseExpiresAt: NOW + 9e5 });
      await store.createJob(failing);
      const error = { ...attemptError("quota", NOW), retryable: false };
      await store.apply(failing.id, (j) => decide(j, { type: "attempt-failed", leaseId: "M", error }, ctx()));

      expect(await store.queueCounts(NOW, 100)).toEqual({
        queued: 4,
        retryWait: 1,
        processing: 1,
        oldestWaitingSince: NOW - 90_000,
        deadLetters: 1,
        activeUsers: 4,
      });
      expect((await store.queueCounts(NOW, 1)).activeUsers).toBe(1);

      expect(await store.markThresholdCrossed("warning", 400, NOW)).toBe(true);
      expect(await store.markThresholdCrossed("warning", 401, NOW)).toBe(false);
      expect(await store.markThresholdCrossed("critical", 500, NOW)).toBe(true);
      await store.clearThresholdCrossed("warning");
      expect(await store.markThresholdCrossed("warning", 400, NOW)).toBe(true);
      expect(await store.markThresholdCrossed("critical", 500, NOW)).toBe(false);
    });

    it("stores a job's webhook; its end adds a pending message that dueWebhooks finds until an attempt settles it", async () => {
      const webhook = {
        url: "https://hooks.example.com/x",
        events: [...WEBHOOK_EVENTS],
        messages: [],
        checkAt: null,
      };
      const { store, job } = await withJob({
        status: "processing",
        attempts: 1,
        leaseId: "L",
        leaseExpiresAt: NOW + 60_000,
        webhook,
      });
      expect((await store.getJob(job.id))?.job.webhook).toEqual(webhook);
      expect(await store.dueWebhooks(NOW + 10 * 60_000, 10)).toEqual([]);
      const ended = await store.apply(job.id, (j) =>
        decide(j, { type: "result-ready", leaseId: "L", result: RESULT }, ctx()),
      );
      expect(ended.ok && ended.decision.webhook).toEqual({
        jobId: job.id,
        messageId: webhookMessageId(job.id, "job.completed", 0),
      });
      const checkAt = NOW + WEBHOOK_ENQUEUE_GRACE_MS;
      expect(await store.dueWebhooks(checkAt, 10)).toEqual([]);
      const due = await store.dueWebhooks(checkAt + 1, 10);
      expect(due.map((j) => j.id)).toEqual([job.id]);
      expect(due[0]?.webhook?.messages).toEqual([
        {
          id: webhookMessageId(job.id, "job.completed", 0),
          type: "job.completed",
          at: NOW,
          state: "pending",
          attempts: [],
        },
      ]);
      const attempt = { at: NOW + 5, status: 200, error: null, durationMs: 12 };
      const change = {
        type: "webhook-attempt" as const,
        messageId: webhookMessageId(job.id, "job.completed", 0),
        attempt,
        state: "delivered" as const,
        checkAt: NOW + 9e9,
      };
      expect((await store.apply(job.id, (j) => decide(j, change, ctx(NOW + 20)))).ok).toBe(true);
      const stored = (await store.getJob(job.id))?.job;
      expect(stored?.webhook).toMatchObject({
        checkAt: null,
        messages: [{ state: "delivered", attempts: [attempt] }],
      });
      expect(stored?.updatedAt).toBe(NOW);
      expect(await store.dueWebhooks(NOW + 9e9, 10)).toEqual([]);
      // A second record of the settled message is refused and writes nothing.
      expect(await store.apply(job.id, (j) => decide(j, change, ctx(NOW + 30)))).toMatchObject({
        ok: false,
        reason: "moved-on",
      });
    });

    it("makes a user's webhook secret once; a rotation keeps the previous one until its end", async () => {
      const store = await make();
      const user = `user-${NOW}-${Math.random()}`;
      const first = await store.webhookSecret(user, "whsec_first", NOW);
      expect(first).toEqual({
        current: "whsec_first",
        createdAt: NOW,
        previous: null,
        previousExpiresAt: null,
      });
      expect(await store.webhookSecret(user, "whsec_other", NOW + 1)).toEqual(first);
      const rotated = await store.rotateWebhookSecret(user, "whsec_second", NOW + 2, NOW + 86_400_000);
      expect(rotated).toEqual({
        current: "whsec_second",
        createdAt: NOW + 2,
        previous: "whsec_first",
        previousExpiresAt: NOW + 86_400_000,
      });
      expect(await store.webhookSecret(user, "whsec_third", NOW + 3)).toEqual(rotated);
      const again = await store.rotateWebhookSecret(user, "whsec_fourth", NOW + 4, NOW + 5);
      expect(again).toMatchObject({
        current: "whsec_fourth",
        previous: "whsec_second",
        previousExpiresAt: NOW + 5,
      });
    });
  });
}
