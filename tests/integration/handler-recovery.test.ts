import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweep } from "../../shared/sweeper/sweep.ts";
import { signUpAdmin, signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";
import { seedJob, testJob } from "../harness/seed-jobs.ts";
import { waitFor } from "../harness/wait-for.ts";

describe("recovery end to end: dead-letter replay and the sweeper", () => {
  let rig: QueueRig;
  let user: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    // A job whose task was lost is re-enqueued once it has been untouched for 1 s.
    rig = await startQueueRig({ env: { SWEEP_STALE_MS: "1000" } });
    [user, admin] = [await signUpUser(), await signUpAdmin()];
  });
  afterAll(() => rig.close());

  it("replays a dead-lettered job after PixelLab recovers, and it completes", async () => {
    rig.pixellab.setScenario("server_error=503");
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("a phoenix"),
    });
    const { jobId } = res.body as { jobId: string };
    expect(await waitForJob(rig, user.idToken, jobId)).toMatchObject({ status: "failed", attempts: 3 });

    const listed = await call(rig.url, "GET", "/v1/admin/dead-letters?errorType=upstream", {
      token: admin.idToken,
    });
    expect(listed.status).toBe(200);
    expect((listed.body as { entries: { jobId: string }[] }).entries.map((e) => e.jobId)).toContain(jobId);
    const forbidden = await call(rig.url, "POST", `/v1/admin/dead-letters/${jobId}/retry`, {
      token: user.idToken,
    });
    expect(forbidden.status).toBe(403);

    rig.pixellab.setScenario("success");
    const replay = await call(rig.url, "POST", `/v1/admin/dead-letters/${jobId}/retry`, {
      token: admin.idToken,
    });
    expect(replay.status).toBe(202);
    const job = await waitForJob(rig, user.idToken, jobId, ["completed"]);
    expect(job).toMatchObject({ status: "completed", attempts: 1 });
    const entry = await rig.runtime.firestore.collection("deadLetters").doc(jobId).get();
    expect(entry.exists).toBe(false);
  });

  it("rescues a queued job whose task was lost", async () => {
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("a forgotten golem"),
    });
    const { jobId } = res.body as { jobId: string };
    // The task disappears (as if the enqueue had failed after the job was written).
    await rig.tasksClient.deleteTask({ name: `${rig.queueName}/tasks/job-${jobId}-a1` });
    await rig.tasksClient.resumeQueue({ name: rig.queueName });

    // Nothing happens on its own: the job waits with no task behind it.
    expect((await waitForJob(rig, user.idToken, jobId, ["queued"])).status).toBe("queued");
    const deps = { ...rig.runtime.deps };
    const report = await sweep(deps, Date.now() + 2_000);
    expect(report).toMatchObject({ reenqueued: 1 });
    expect(await waitForJob(rig, user.idToken, jobId)).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("dead-letters a job whose last attempt crashed, when Cloud Tasks delivers its task again", async () => {
    const now = Date.now();
    // Attempt 3 of 3 crashed and gave its lease back (leaseExpiresAt = now): the redelivery settles it.
    const job = await seedJob(
      rig.runtime.firestore,
      testJob({
        status: "processing",
        attempts: 3,
        leaseId: "crashed-attempt",
        leaseExpiresAt: now - 1,
        startedAt: now - 5_000,
        progress: { percent: 10, stage: "generating" },
      }),
    );
    await rig.runtime.deps.tasks.enqueue({
      jobId: job.id,
      attempt: 3,
      run: 0,
      lane: "interactive",
      dispatchDeadlineMs: 60_000,
    });
    const db = rig.runtime.firestore;
    const entry = await waitFor(async () => (await db.collection("deadLetters").doc(job.id).get()).data(), {
      timeoutMs: 15_000,
      description: "the dead-letter entry",
    });
    expect(entry).toMatchObject({ jobId: job.id, errorType: "timeout", attempts: 3 });
    expect((await db.collection("jobs").doc(job.id).get()).get("status")).toBe("failed");
    await waitFor(
      () =>
        rig.events.some((m) => m.attributes.jobId === job.id && m.attributes.type === "job.dead_lettered"),
      { timeoutMs: 15_000, description: "job.dead_lettered" },
    );
  });
});
