import { describe, expect, it } from "vitest";
import { decideContext } from "../../shared/lifecycle/apply-change.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { createResultCache } from "../../shared/store/result-cache.ts";
import { cancelJob } from "../../shared/submission/cancel-job.ts";
import { submitJob } from "../../shared/submission/submit-job.ts";
import { sweep } from "../../shared/sweeper/sweep.ts";
import { createPromMetrics } from "../../shared/telemetry/prom-metrics.ts";
import { readQueueGauges } from "../../shared/telemetry/queue-gauges.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { memoryDeps } from "../harness/memory-deps.ts";
import { sampleValue } from "../harness/metrics-text.ts";
import { attemptError, testJob } from "../harness/seed-jobs.ts";

/** The use-cases over the in-memory store, recording into a registry of all metrics. */
function instrumented(env: Record<string, string> = {}) {
  const base = memoryDeps(env);
  const prom = createPromMetrics({ processMetrics: false });
  const cache = createResultCache(base.store, undefined, base.logger, { ttlMs: 86_400_000, metrics: prom });
  const deps = { ...base, metrics: prom, cache };
  const value = async (name: string, labels: Record<string, string> = {}) =>
    sampleValue(await prom.registry.metrics(), name, labels);
  const submit = (userId: string, description: string) =>
    submitJob(deps, { userId, body: pixfluxBody(description) });
  return { deps, value, submit };
}

const submissions = (outcome: string, reason = "none") =>
  ["genqueue_submissions_total", { outcome, reason }] as const;

describe("submissions are counted by the use-case", () => {
  it("by outcome, with the problem type of each rejection, and cached answers' end-to-end time", async () => {
    const { deps, value, submit } = instrumented({ USER_ACTIVE_JOB_LIMIT: "1" });
    expect((await submit("u1", "a knight")).kind).toBe("accepted");
    expect((await submit("u1", "a knight")).kind).toBe("deduplicated");
    expect((await submit("u1", "a dragon")).kind).toBe("rejected"); // one active job per user
    expect((await submitJob(deps, { userId: "u1", body: { operation: "nope" } })).kind).toBe("rejected");
    await deps.cache.put(
      (await deps.store.listUserJobs("u1", { limit: 1 })).jobs[0]?.cacheKey ?? "",
      { images: [], usage: null },
      "earlier",
      Date.now(),
    );
    expect((await submit("u2", "a knight")).kind).toBe("cached");

    expect(await value(...submissions("accepted"))).toBe(1);
    expect(await value(...submissions("deduplicated"))).toBe(1);
    expect(await value(...submissions("cached"))).toBe(1);
    expect(await value(...submissions("rejected", "user-limit-reached"))).toBe(1);
    expect(await value(...submissions("rejected", "validation-error"))).toBe(1);
    const cachedE2e = { operation: "generate-image-pixflux", cached: "true" };
    expect(await value("genqueue_job_end_to_end_seconds_count", cachedE2e)).toBe(1);
    // Misses for the accepted and the refused request, then the hit (no Redis: no redis lookups).
    expect(await value("genqueue_cache_lookups_total", { layer: "firestore", result: "miss" })).toBe(2);
    expect(await value("genqueue_cache_lookups_total", { layer: "firestore", result: "hit" })).toBe(1);
    expect(await value("genqueue_cache_lookups_total", { layer: "redis", result: "miss" })).toBe(0);
  });
});

describe("queue threshold crossings", () => {
  const thresholdEvents = (deps: ReturnType<typeof instrumented>["deps"]) =>
    deps.published.filter((e) => e.type === "queue.threshold").map((e) => e.data?.level);

  it("publish and count each level once per crossing, until the sweeper sees the queue drain", async () => {
    const { deps, value, submit } = instrumented({ QUEUE_CAPACITY: "3", QUEUE_WARNING_THRESHOLD: "2" });
    const accepted: { user: string; jobId: string }[] = [];
    for (const n of [1, 2, 3, 4]) {
      const outcome = await submit(`user-${n}`, `depth ${n}`);
      if (outcome.kind === "accepted") accepted.push({ user: `user-${n}`, jobId: outcome.view.jobId });
    }
    expect(accepted).toHaveLength(3); // the fourth found the queue full
    expect(thresholdEvents(deps)).toEqual(["warning", "critical"]);
    expect(await value("genqueue_queue_threshold_crossings_total", { level: "warning" })).toBe(1);
    expect(await value("genqueue_queue_threshold_crossings_total", { level: "critical" })).toBe(1);

    // One cancel: a sweep sees 2 active jobs, at the warning level still (kept) but below 90 % of the
    // critical one (forgotten), so the next job crosses critical again and not warning.
    await cancelJob(deps, accepted[0]?.user ?? "", accepted[0]?.jobId ?? "");
    await sweep(deps, Date.now());
    await submit("user-5", "depth 5");
    expect(thresholdEvents(deps)).toEqual(["warning", "critical", "critical"]);

    // Drained: the sweep forgets both, and the next rise to 2 crosses the warning level again.
    for (const { user, jobId } of accepted.slice(1)) await cancelJob(deps, user, jobId);
    const last = (await deps.store.listUserJobs("user-5", { limit: 1 })).jobs[0];
    await cancelJob(deps, "user-5", last?.id ?? "");
    await sweep(deps, Date.now());
    for (const n of [6, 7]) await submit(`user-${n}`, `depth ${n}`);
    expect(thresholdEvents(deps)).toEqual(["warning", "critical", "critical", "warning"]);
    expect(await value("genqueue_queue_threshold_crossings_total", { level: "warning" })).toBe(2);
    expect(await value("genqueue_queue_threshold_crossings_total", { level: "critical" })).toBe(2);
  });
});

describe("queue-wide gauges", () => {
  const NOW = Date.UTC(2026, 11, 1, 12);

  it("are read from the store: queued apart from retry-wait, the oldest waiting job, dead letters, users", async () => {
    const { deps } = instrumented();
    const jobs: Job[] = [
      testJob({ userId: "a", createdAt: NOW - 90_000 }),
      testJob({ userId: "a", createdAt: NOW - 10_000 }),
      testJob({ userId: "b", createdAt: NOW - 300_000, attempts: 1, nextAttemptAt: NOW + 5_000 }),
      testJob({ userId: "c", status: "processing", attempts: 1, leaseId: "L", leaseExpiresAt: NOW + 9e5 }),
      testJob({ userId: "d", status: "completed", finishedAt: NOW }),
    ];
    for (const job of jobs) {
      await deps.store.createJob(job);
      if (job.status !== "completed") await deps.store.acquireSlot(job.userId, job.id, 5, NOW);
    }
    const failing = testJob({ status: "processing", attempts: 3, leaseId: "M", leaseExpiresAt: NOW + 9e5 });
    await deps.store.createJob(failing);
    const error = { ...attemptError("quota", NOW), retryable: false };
    await deps.store.apply(failing.id, (j) =>
      decide(j, { type: "attempt-failed", leaseId: "M", error }, decideContext(deps, NOW)),
    );

    expect(await readQueueGauges(deps, NOW)).toEqual({
      at: NOW,
      jobs: { queued: 2, "retry-wait": 1, processing: 1 },
      oldestQueuedAgeSeconds: 90,
      deadLetters: 1,
      activeUsers: 3,
    });
  });

  it("are recorded by the sweeper through deps.metrics, once per run", async () => {
    const { deps, value, submit } = instrumented();
    await submit("u1", "a gauge");
    await sweep(deps, Date.now());
    expect(await value("genqueue_jobs", { status: "queued" })).toBe(1);
    expect(await value("genqueue_jobs", { status: "processing" })).toBe(0);
    expect(await value("genqueue_active_users")).toBe(1);
    expect(await value("genqueue_dead_letters")).toBe(0);
  });
});
