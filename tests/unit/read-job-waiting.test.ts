import { describe, expect, it } from "vitest";
import { only as onlyDecision } from "../../shared/lifecycle/job-change.ts";
import { cancelJob } from "../../shared/submission/cancel-job.ts";
import { readJob } from "../../shared/submission/read-jobs.ts";
import { submitJob } from "../../shared/submission/submit-job.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { memoryDeps } from "../harness/memory-deps.ts";
import { attemptError, testJob } from "../harness/seed-jobs.ts";

describe("GET /v1/jobs/{id} on a queued job says why it waits", () => {
  async function line(env: Record<string, string> = {}) {
    const deps = memoryDeps({ TASKS_MAX_CONCURRENT: "2", EXPECTED_JOB_MS: "10000", ...env });
    let now = Date.UTC(2026, 11, 3, 12, 0, 0);
    deps.clock = { now: () => now++ };
    const ids: string[] = [];
    for (const user of ["a", "b", "c", "d", "e"]) {
      const outcome = await submitJob(deps, { userId: user, body: pixfluxBody(`in line for ${user}`) });
      if (outcome.kind !== "accepted") throw new Error(outcome.kind);
      ids.push(outcome.view.jobId);
    }
    const read = async (userId: string, jobId: string) => {
      const outcome = await readJob(deps, { userId, jobId });
      if (outcome.kind !== "job") throw new Error(outcome.kind);
      return outcome.view;
    };
    return { deps, ids, read };
  }

  it("its place in line and the estimate, as the submission's 202 gave them", async () => {
    const { ids, read } = await line();
    expect((await read("e", ids[4] ?? "")).waiting).toMatchObject({
      code: "in-line",
      position: 4,
      estimatedWaitMs: 20_000, // 4 ahead, 2 at a time, 10 s each
    });
    expect((await read("a", ids[0] ?? "")).waiting).toMatchObject({ code: "in-line", position: 0 });
  });

  it("an ETag that moves with the reason, so a revalidating client sees the line move", async () => {
    const { deps, ids } = await line();
    const first = await readJob(deps, { userId: "e", jobId: ids[4] ?? "" });
    if (first.kind !== "job") throw new Error(first.kind);
    const same = await readJob(deps, { userId: "e", jobId: ids[4] ?? "", ifNoneMatch: first.etag });
    expect(same.kind).toBe("not-modified");
    // The job ahead of it ends: the stored job is unchanged, its place in line is not.
    expect((await cancelJob(deps, "a", ids[0] ?? "")).kind).toBe("cancelled");
    const moved = await readJob(deps, { userId: "e", jobId: ids[4] ?? "", ifNoneMatch: first.etag });
    expect(moved.kind).toBe("job");
    expect(moved.kind === "job" && moved.view.waiting?.position).toBe(3);
    expect(moved.kind === "job" && moved.etag).not.toBe(first.etag);
  });

  it("a paused queue, from the queue's own state", async () => {
    const { deps, ids, read } = await line();
    deps.setQueueState("paused");
    expect((await read("c", ids[2] ?? "")).waiting).toMatchObject({ code: "queue-paused" });
  });

  it("a retry's backoff and its end; nothing once the job runs or ends", async () => {
    const { deps, read } = await line();
    const now = deps.clock.now();
    const error = { ...attemptError("rate_limit", now - 500, "Concurrency limit reached"), status: 429 };
    const retrying = testJob({ attempts: 1, nextAttemptAt: now + 20_000, error, attemptErrors: [error] });
    await deps.store.createJob(retrying);
    expect((await read(retrying.userId, retrying.id)).waiting).toMatchObject({
      code: "pixellab-concurrency-limit",
      until: new Date(now + 20_000).toISOString(),
    });
    const running = testJob({ status: "processing", attempts: 1 });
    await deps.store.createJob(running);
    expect((await read(running.userId, running.id)).waiting).toBeUndefined();
  });
});

describe("a long-poll that times out", () => {
  it("answers the job as it is now, even when its listener missed the change", async () => {
    const base = memoryDeps();
    const job = testJob({ userId: "owner" });
    await base.store.createJob(job);
    // A listener that never fires (seen on the emulator under load): every hold runs its whole time.
    const deaf = { ...base.store, waitForJobChange: () => new Promise<undefined>((r) => setTimeout(r, 50)) };
    const deps = { ...base, store: deaf };
    const poll = readJob(deps, { userId: "owner", jobId: job.id, waitSeconds: 1 });
    await base.store.apply(job.id, (j) => ({
      ok: true,
      decision: { ...onlyDecision({ ...j, cancelRequested: true, updatedAt: j.updatedAt + 1 }) },
    }));
    const answer = await poll;
    expect(answer).toMatchObject({ kind: "job", view: { jobId: job.id, cancelRequested: true } });
  });
});
