import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { cacheKeyOf, pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";
import { waitFor } from "../harness/wait-for.ts";

describe("processJob: at-least-once delivery, aborted deliveries, cancellation and caller checks", () => {
  let rig: QueueRig;
  let user: TestUser;
  const calls = () => rig.pixellab.stats().calls["POST /v1/generate-image-pixflux"] ?? 0;
  const submit = async (description: string) => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody(description),
    });
    expect(res.status).toBe(202);
    return (res.body as { jobId: string }).jobId;
  };
  const jobDoc = async (jobId: string) =>
    (await rig.runtime.firestore.collection("jobs").doc(jobId).get()).data()!;

  beforeAll(async () => {
    // Cloud Tasks gives up on a delivery after 1.5 s here, so "the handler was cut off" is quick to test.
    rig = await startQueueRig({ tasksEmulator: { dispatchDeadlineCapMs: 1_500 } });
    user = await signUpUser();
  });
  afterAll(() => rig.close());

  it("calls PixelLab once when the same task is delivered twice while it runs", async () => {
    const before = calls();
    const jobId = await submit("a twice-delivered imp [fake:latency=800]");
    await waitForJob(rig, user.idToken, jobId, ["processing"]);
    // A forced second delivery of the same task, as Cloud Tasks' rare duplicates are.
    await rig.tasksClient.runTask({ name: `${rig.queueName}/tasks/job-${jobId}-a1` });
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "completed", attempts: 1 });
    expect(calls() - before).toBe(1);
  });

  it("completes a job whose first delivery Cloud Tasks cut off mid-generation", async () => {
    const before = rig.pixellab.stats();
    const jobId = await submit("a stalled wizard [fake:fail-first=1,timeout]");
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "completed", attempts: 2 });
    const errors = (await jobDoc(jobId)).attemptErrors as { type: string; message: string }[];
    expect(errors.map((e) => e.type)).toEqual(["timeout"]);
    expect(errors[0]!.message).toContain("dispatch deadline");
    expect(rig.pixellab.stats().aborted - before.aborted).toBe(1); // the handler closed its socket
  });

  it("stores an answer that arrives just after Cloud Tasks cut the delivery off, instead of paying again", async () => {
    const before = calls();
    const jobId = await submit("a late but welcome golem [fake:latency=3000]");
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "completed", attempts: 1 });
    expect(calls() - before).toBe(1);
  });

  it("resumes polling the same PixelLab background job after a cut-off delivery instead of paying twice", async () => {
    const before = rig.pixellab.stats();
    // Longer than the 1.5 s delivery plus the handler's grace after a cut-off (ABANDON_GRACE_MS, 5 s).
    const jobId = await submit("a patient titan [fake:background,job_ms=9000]");
    const job = await waitForJob(rig, user.idToken, jobId, undefined, 30_000);
    expect(job.status).toBe("completed");
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    const after = rig.pixellab.stats();
    expect(after.jobsCreated - before.jobsCreated).toBe(1);
    expect(
      (after.calls["POST /v1/generate-image-pixflux"] ?? 0) -
        (before.calls["POST /v1/generate-image-pixflux"] ?? 0),
    ).toBe(1);
    expect((await jobDoc(jobId)).pixellabJobId).toBeNull();
  });

  it("cancels a queued job: no PixelLab call, task gone", async () => {
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    const before = calls();
    const jobId = await submit("a cancelled bard");
    const res = await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken });
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    expect(res.status).toBe(200);
    expect((await rig.listTasks()).map((t) => t.name)).not.toContain(
      `${rig.queueName}/tasks/job-${jobId}-a1`,
    );
    expect((await waitForJob(rig, user.idToken, jobId)).status).toBe("cancelled");
    expect(calls()).toBe(before);
  });

  it("cancels a processing job: the PixelLab call is cut off and no result is stored or cached", async () => {
    const body = pixfluxBody("a vanishing thief [fake:latency=5000]");
    const res = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    const { jobId } = res.body as { jobId: string };
    const aborted = rig.pixellab.stats().aborted;
    await waitFor(() => rig.pixellab.stats().inFlight > 0, {
      timeoutMs: 10_000,
      description: "the PixelLab call",
    });
    const cancel = await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken });
    expect(cancel.status).toBe(202);
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job.status).toBe("cancelled");
    expect((await jobDoc(jobId)).result).toBeNull();
    expect((await rig.runtime.firestore.collection("cache").doc(cacheKeyOf(body)).get()).exists).toBe(false);
    await waitFor(() => rig.pixellab.stats().aborted > aborted, {
      description: "the fake to see its socket close",
    });
    const types = rig.events.filter((m) => m.attributes.jobId === jobId).map((m) => m.attributes.type);
    await waitFor(
      () => rig.events.some((m) => m.attributes.jobId === jobId && m.attributes.type === "job.cancelled"),
      {
        timeoutMs: 15_000,
        description: `job.cancelled (seen: ${types.join(", ")})`,
      },
    );
  });

  it("refuses callers without the queue's OIDC token, changing nothing", async () => {
    const jobId = await submit("a guarded vault");
    await waitForJob(rig, user.idToken, jobId);
    const stateBefore = await jobDoc(jobId);
    const none = await call(rig.handlerUrl, "POST", "", { json: { jobId, attempt: 1, run: 0 } });
    expect(none.status).toBe(401);
    const forged = await call(rig.handlerUrl, "POST", "", {
      json: { jobId, attempt: 1, run: 0 },
      headers: { authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln" },
    });
    expect(forged.status).toBe(401);
    expect(await jobDoc(jobId)).toEqual(stateBefore);
  });

  it("answers 403 to a token the emulator signed for another service account", async () => {
    const [task] = await rig.tasksClient.createTask({
      parent: rig.queueName,
      task: {
        httpRequest: {
          httpMethod: "POST",
          url: rig.handlerUrl,
          headers: { "Content-Type": "application/json" },
          body: Buffer.from(JSON.stringify({ jobId: "nobody", attempt: 1, run: 0 })),
          oidcToken: {
            serviceAccountEmail: "intruder@demo-queue.iam.gserviceaccount.com",
            audience: rig.handlerUrl,
          },
        },
      },
    });
    const attempted = await waitFor(
      async () => {
        const [t] = await rig.tasksClient.getTask({ name: task.name! });
        return t.lastAttempt?.responseStatus ? t : undefined;
      },
      { timeoutMs: 15_000, description: "the intruder task's first answer" },
    );
    expect(attempted.lastAttempt?.responseStatus?.code).toBe(7); // PERMISSION_DENIED, from HTTP 403
    await rig.tasksClient.deleteTask({ name: task.name! });
  });
});
