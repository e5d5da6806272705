import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { applyChange } from "../../shared/lifecycle/apply-change.ts";
import { processTask } from "../../shared/processing/process-task.ts";
import { cancelJob } from "../../shared/submission/cancel-job.ts";
import { submitJob } from "../../shared/submission/submit-job.ts";
import type { SubmitOutcome } from "../../shared/submission/submission-outcome.ts";
import { startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { memoryDeps, type MemoryDeps } from "../harness/memory-deps.ts";

/**
 * The fault windows of the job lifecycle, each reproduced on the production use-cases over the
 * in-memory store (its contract suite proves it behaves like Firestore) and the offline PixelLab.
 */
let pixellab: FakePixelLab;
let deps: MemoryDeps;
beforeAll(async () => {
  pixellab = await startFakePixelLab();
});
afterAll(() => pixellab.stop());
beforeEach(() => {
  pixellab.reset();
  deps = memoryDeps({}, pixellab.v1Url);
});

const jobIdOf = (outcome: SubmitOutcome) => ("view" in outcome ? outcome.view.jobId : undefined);
const deliver = (jobId: string, attempt = 1) =>
  processTask(deps, { jobId, attempt, run: 0, lane: "interactive" }, new AbortController().signal);
/** Bounds a promise so a hang fails the test with a message instead of its timeout. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}
const generations = () => Object.values(pixellab.stats().byRequest).reduce((a, b) => a + b, 0);

describe("fault windows of the job lifecycle", () => {
  it("1: a duplicate is never given a job whose admission is then undone", async () => {
    let fail: (e: Error) => void = () => undefined;
    deps.stallEnqueue(new Promise<void>((_, reject) => (fail = reject)));
    const body = pixfluxBody("a knight, stalled queue");
    const first = submitJob(deps, { userId: "u1", body });
    await expect.poll(async () => (await deps.store.countActiveJobs()) === 1).toBe(true);
    const repeat = submitJob(deps, { userId: "u1", body });
    await new Promise((r) => setTimeout(r, 200)); // the repeat is now waiting on the first's claim
    deps.stallEnqueue(undefined);
    fail(new Error("Cloud Tasks unavailable"));
    const [a, b] = await Promise.all([first, repeat]);
    expect(a).toMatchObject({ kind: "rejected", problem: { status: 503 } });
    expect(b.kind).toBe("accepted");
    const bId = jobIdOf(b) ?? "";
    expect((await deps.store.getJob(bId))?.job.status).toBe("queued");
    expect(deps.created.map((t) => t.jobId)).toEqual([bId]);
  });

  it("2: a result whose completion failed is not paid for again on redelivery", async () => {
    const submitted = await submitJob(deps, { userId: "u2", body: pixfluxBody("a mage, flaky commit") });
    const jobId = jobIdOf(submitted) ?? "";
    const apply = deps.store.apply.bind(deps.store);
    let failed = false;
    deps.store.apply = (id, decideFn) =>
      apply(id, (job) => {
        const result = decideFn(job);
        if (!failed && result.ok && result.decision.job.status === "completed") {
          failed = true;
          throw new Error("the completion transaction failed");
        }
        return result;
      });
    await expect(deliver(jobId)).rejects.toThrow(/completion transaction failed/);
    expect(generations()).toBe(1);
    // Cloud Tasks delivers the same task again (the handler answered 5xx).
    expect(await deliver(jobId)).toMatchObject({ kind: "completed" });
    expect(generations()).toBe(1);
    expect((await deps.store.getJob(jobId))?.job).toMatchObject({ status: "completed", attempts: 2 });
  });

  it("3: after a cancel, an identical submission is a new try", async () => {
    const body = pixfluxBody("a rogue, cancelled");
    const jobId = jobIdOf(await submitJob(deps, { userId: "u3", body })) ?? "";
    await applyChange(deps, jobId, { type: "claimed", leaseId: "L", attempt: 1 });
    expect((await cancelJob(deps, "u3", jobId)).kind).toBe("cancel-requested");
    const again = await submitJob(deps, { userId: "u3", body });
    expect(again.kind).toBe("accepted");
    expect(jobIdOf(again)).not.toBe(jobId);
  });

  it("4: cache bypass gives a fresh generation even inside the dedup window", async () => {
    const body = pixfluxBody("a bard, fresh please");
    const first = jobIdOf(await submitJob(deps, { userId: "u4", body }));
    const fresh = await submitJob(deps, { userId: "u4", body: { ...body, options: { cache: "bypass" } } });
    expect(fresh.kind).toBe("accepted");
    expect(jobIdOf(fresh)).not.toBe(first);
    expect(deps.created).toHaveLength(2);
  });

  it("5: a Pub/Sub that never answers delays neither the submission nor the attempt", async () => {
    deps.hangEvents();
    const submitted = await within(
      5_000,
      submitJob(deps, { userId: "u5", body: pixfluxBody("a cleric, no events") }),
    );
    const jobId = jobIdOf(submitted) ?? "";
    expect(await within(10_000, deliver(jobId))).toMatchObject({ kind: "completed" });
    expect(deps.published.map((e) => e.type)).toEqual(["job.queued", "job.started", "job.completed"]);
  });

  it("6: a claim that landed but answered an error leaves the job to the redelivery, not to its lease's end", async () => {
    const submitted = await submitJob(deps, { userId: "u6", body: pixfluxBody("a bard, lost answer") });
    const jobId = jobIdOf(submitted) ?? "";
    const apply = deps.store.apply.bind(deps.store);
    let lost = false;
    // The claim's commit lands, and its answer is lost (as gRPC UNKNOWN from a loaded emulator).
    deps.store.apply = async (id, decideFn, known) => {
      const applied = await apply(id, decideFn, known);
      if (!lost && applied.ok && applied.decision.job.status === "processing") {
        lost = true;
        throw new Error("2 UNKNOWN: ");
      }
      return applied;
    };
    await expect(deliver(jobId)).rejects.toThrow(/UNKNOWN/);
    const after = (await deps.store.getJob(jobId))?.job;
    expect(after?.status).toBe("processing");
    expect(after?.leaseExpiresAt).toBeLessThanOrEqual(deps.clock.now());
    // Cloud Tasks delivers again after its backoff (the handler answered 5xx): it takes the job.
    expect(await deliver(jobId)).toMatchObject({ kind: "completed" });
    expect(generations()).toBe(1);
    expect((await deps.store.getJob(jobId))?.job).toMatchObject({ status: "completed", attempts: 2 });
  });

  it("7: a claim that loses to a cancel between its read and its commit ends the flight it started", async () => {
    const body = pixfluxBody("a monk, cancelled mid-claim");
    const jobId = jobIdOf(await submitJob(deps, { userId: "u7", body })) ?? "";
    const cacheKey = (await deps.store.getJob(jobId))?.job.cacheKey ?? "";
    const apply = deps.store.apply.bind(deps.store);
    let cancelled = false;
    // The claim's read saw the job queued (and started its flight beside the commit); the user's
    // cancel lands before the commit.
    deps.store.apply = async (id, decideFn, known) => {
      if (!cancelled && known !== undefined) {
        cancelled = true;
        expect((await cancelJob(deps, "u7", jobId)).kind).toBe("cancelled");
      }
      return apply(id, decideFn, known);
    };
    expect(await deliver(jobId)).toMatchObject({ kind: "skipped" });
    expect(cancelled).toBe(true);
    expect((await deps.store.getJob(jobId))?.job.status).toBe("cancelled");
    // Another user's identical job leads at once instead of waiting out the dead claim's lease.
    const now = deps.clock.now();
    const next = { jobId: "other-users-job", until: now + 60_000, now, acceptFrom: now };
    expect(await deps.store.startFlight(cacheKey, next)).toEqual({ kind: "lead" });
    expect(generations()).toBe(0);
  });
});
