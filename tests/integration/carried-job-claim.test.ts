import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { taskBody, type TaskRequest } from "../../shared/ports/task-scheduler.ts";
import { processTask } from "../../shared/processing/process-task.ts";
import { taskPayload } from "../../shared/processing/task-payload.ts";
import { cancelJob } from "../../shared/submission/cancel-job.ts";
import { submitJob } from "../../shared/submission/submit-job.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { memoryDeps, type MemoryDeps } from "../harness/memory-deps.ts";
import { startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";

/**
 * A task carries its job as the write that queued it left it, so its claim commits without reading
 * (`nextTask`). These are the cases where that job is no longer what is stored, on the production
 * use-cases over the in-memory store (its contract suite proves it behaves like Firestore).
 */
let pixellab: FakePixelLab;
let deps: MemoryDeps;
beforeAll(async () => {
  pixellab = await startFakePixelLab();
});
afterAll(() => pixellab.stop());
beforeEach(() => {
  pixellab.reset();
  pixellab.setScenario("success");
  deps = memoryDeps({}, pixellab.v1Url);
});

const generations = () => Object.values(pixellab.stats().byRequest).reduce((a, b) => a + b, 0);
/** Delivers `task` as the handler would decode it from the body Cloud Tasks sends. */
const deliver = (task: TaskRequest) =>
  processTask(
    deps,
    taskPayload.parse(JSON.parse(JSON.stringify(taskBody(task)))),
    new AbortController().signal,
  );
async function admitted(userId: string, prompt: string) {
  const outcome = await submitJob(deps, { userId, body: pixfluxBody(prompt) });
  if (outcome.kind !== "accepted") throw new Error(`not accepted: ${outcome.kind}`);
  const task = deps.created.find((t) => t.jobId === outcome.view.jobId);
  if (task === undefined) throw new Error("no task created");
  return { jobId: outcome.view.jobId, task };
}

describe("the job a task carries", () => {
  it("is the job exactly as the admission stored it, at its stored version", async () => {
    const { jobId, task } = await admitted("c1", "a carried knight");
    expect(task.known).toEqual(await deps.store.getJob(jobId));
    expect(await deliver(task)).toEqual({ kind: "completed", jobId });
    expect(generations()).toBe(1);
  });

  it("gone stale by a cancel: the claim decides on the stored job and ends the flight it started", async () => {
    const { jobId, task } = await admitted("c2", "a carried mage, cancelled");
    expect((await cancelJob(deps, "c2", jobId)).kind).toBe("cancelled");
    // Cloud Tasks delivers at least once: the deleted task may still arrive, carrying the queued job.
    expect(await deliver(task)).toMatchObject({ kind: "skipped" });
    expect((await deps.store.getJob(jobId))?.job.status).toBe("cancelled");
    expect(generations()).toBe(0);
    // Another user's identical job leads at once instead of waiting on the dead claim's flight.
    const cacheKey = task.known?.job.cacheKey ?? "";
    const now = deps.clock.now();
    const other = { jobId: "another-users-job", until: now + 60_000, now, acceptFrom: now };
    expect(await deps.store.startFlight(cacheKey, other)).toEqual({ kind: "lead" });
  });

  it("delivered again after the job completed: skipped, paid once, and the stored result stays", async () => {
    const { jobId, task } = await admitted("c3", "a carried rogue, delivered twice");
    expect(await deliver(task)).toEqual({ kind: "completed", jobId });
    expect(await deliver(task)).toMatchObject({ kind: "skipped" });
    expect(generations()).toBe(1);
    expect((await deps.store.getJob(jobId))?.job).toMatchObject({ status: "completed", attempts: 1 });
    const now = deps.clock.now();
    // Any result stored since the epoch will do for this request.
    const other = { jobId: "another-users-job", until: now + 60_000, now, acceptFrom: 0 };
    expect(await deps.store.startFlight(task.known?.job.cacheKey ?? "", other)).toMatchObject({
      kind: "stored",
      entry: { jobId },
    });
  });

  it("a retry's task carries the job as the failed attempt left it, and completes", async () => {
    pixellab.setScenario("server_error=503");
    const { jobId, task } = await admitted("c4", "a carried bard, retried");
    expect(await deliver(task)).toMatchObject({ kind: "retry-scheduled", nextAttempt: 2 });
    const retry = deps.created.filter((t) => t.jobId === jobId)[1];
    expect(retry?.attempt).toBe(2);
    expect(retry?.known).toEqual(await deps.store.getJob(jobId));
    expect(retry?.known?.job).toMatchObject({ status: "queued", attempts: 1, error: { type: "upstream" } });
    pixellab.setScenario("success");
    await new Promise((r) => setTimeout(r, Math.max(0, (retry?.notBeforeMs ?? 0) - Date.now())));
    expect(await deliver(retry as TaskRequest)).toEqual({ kind: "completed", jobId });
    expect((await deps.store.getJob(jobId))?.job).toMatchObject({ status: "completed", attempts: 2 });
  });
});
