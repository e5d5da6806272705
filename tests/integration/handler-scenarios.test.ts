import type { Timestamp } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";
import { waitFor } from "../harness/wait-for.ts";

interface ErrorRecord {
  type: string;
  at: Timestamp;
}

describe("processJob: PixelLab failures, retries and the dead-letter queue", () => {
  let rig: QueueRig;
  let user: TestUser;
  const generationCalls = () => rig.pixellab.stats().calls["POST /v1/generate-image-pixflux"] ?? 0;
  const submit = async (description: string, options?: unknown) => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody(description, {}, options),
    });
    expect(res.status).toBe(202);
    return (res.body as { jobId: string }).jobId;
  };
  const doc = async (jobId: string) =>
    (await rig.runtime.firestore.collection("jobs").doc(jobId).get()).data()!;
  const deadLetter = async (jobId: string) =>
    (await rig.runtime.firestore.collection("deadLetters").doc(jobId).get()).data();

  /** When attempt `attempt` of a job started, from its `job.started` event (ms since the epoch). */
  const startOf = async (jobId: string, attempt: number): Promise<number> => {
    const started = await waitFor(
      () =>
        rig.events
          .filter((m) => m.attributes.jobId === jobId && m.attributes.type === "job.started")
          .map((m) => JSON.parse(m.data.toString()) as { at: string; data: { attempt: number } })
          .find((e) => e.data.attempt === attempt),
      { timeoutMs: 15_000, description: `the job.started event of attempt ${attempt}` },
    );
    return Date.parse(started.at);
  };

  beforeAll(async () => {
    rig = await startQueueRig();
  });
  afterAll(() => rig.close());

  it("retries a retryable failure with growing delays, then succeeds (fail-first=2)", async () => {
    user = await signUpUser();
    const before = generationCalls();
    const jobId = await submit("a flaky goblin [fake:fail-first=2]");
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "completed", attempts: 3 });
    expect(generationCalls() - before).toBe(3);
    const errors = (await doc(jobId)).attemptErrors as ErrorRecord[];
    expect(errors.map((e) => e.type)).toEqual(["upstream", "upstream"]);
    // Exponential from 200 ms with ±10% jitter: about 200 ms, then about 400 ms.
    const delays = [
      (await startOf(jobId, 2)) - errors[0]!.at.toMillis(),
      (await startOf(jobId, 3)) - errors[1]!.at.toMillis(),
    ];
    expect(delays[0]).toBeGreaterThanOrEqual(180);
    expect(delays[1]).toBeGreaterThanOrEqual(360);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(await deadLetter(jobId)).toBeUndefined();
  });

  it("dead-letters a job that keeps failing with a retryable error after 3 attempts", async () => {
    user = await signUpUser();
    const before = generationCalls();
    const jobId = await submit("a cursed amulet [fake:server_error=503]");
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { type: "upstream", retryable: true },
    });
    expect(generationCalls() - before).toBe(3);
    const entry = await deadLetter(jobId);
    expect(entry).toMatchObject({ jobId, userId: user.uid, errorType: "upstream", attempts: 3 });
    expect((entry!.attemptErrors as ErrorRecord[]).map((e) => e.type)).toEqual([
      "upstream",
      "upstream",
      "upstream",
    ]);
    expect(entry!.expireAt.toMillis() - entry!.failedAt.toMillis()).toBe(7 * 86_400_000);
    const types = () => rig.events.filter((m) => m.attributes.jobId === jobId).map((m) => m.attributes.type);
    await waitFor(() => types().includes("job.dead_lettered"), {
      timeoutMs: 15_000,
      description: "job.dead_lettered",
    });
    expect(types()).toEqual(expect.arrayContaining(["job.failed", "job.dead_lettered"]));
    const slots = await rig.runtime.firestore.collection("userSlots").where("jobId", "==", jobId).get();
    expect(slots.size).toBe(0);
  });

  it.each([
    { scenario: "validation_error", type: "validation" },
    { scenario: "auth_error", type: "authentication" },
    { scenario: "payment_required", type: "quota" },
  ])("fails at once on $scenario as $type, with exactly one PixelLab call", async ({ scenario, type }) => {
    user = await signUpUser();
    const before = generationCalls();
    const jobId = await submit(`a doomed request [fake:${scenario}]`);
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { type, retryable: false } });
    expect(generationCalls() - before).toBe(1);
    expect(await deadLetter(jobId)).toMatchObject({ errorType: type, attempts: 1 });
  });

  it.each([
    { scenario: "overloaded", type: "rate_limit" },
    { scenario: "malformed", type: "upstream" },
  ])("treats $scenario as retryable $type", async ({ scenario, type }) => {
    user = await signUpUser();
    const jobId = await submit(`a wobbly request [fake:fail-first=1,${scenario}]`);
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "completed", attempts: 2 });
    expect(((await doc(jobId)).attemptErrors as ErrorRecord[]).map((e) => e.type)).toEqual([type]);
  });

  it("waits at least PixelLab's Retry-After before the next attempt", async () => {
    user = await signUpUser();
    const jobId = await submit("a busy dragon [fake:fail-first=1,rate_limit=2]");
    await waitForJob(rig, user.idToken, jobId, ["completed"]);
    const data = await doc(jobId);
    const [first] = data.attemptErrors as ErrorRecord[];
    expect(first!.type).toBe("rate_limit");
    // Backoff alone would wait about 200 ms; PixelLab asked for 2 s.
    expect(data.startedAt.toMillis()).toBeLessThan(first!.at.toMillis());
    expect((await startOf(jobId, 2)) - first!.at.toMillis()).toBeGreaterThanOrEqual(2_000);
  });

  it("ends an attempt at the job's timeout, closes the socket, and retries", async () => {
    user = await signUpUser();
    const abortedBefore = rig.pixellab.stats().aborted;
    const jobId = await submit("a slow golem [fake:fail-first=1,timeout]", { timeoutMs: 10_000 });
    const job = await waitForJob(rig, user.idToken, jobId, ["completed", "failed"], 40_000);
    expect(job).toMatchObject({ status: "completed", attempts: 2 });
    expect(((await doc(jobId)).attemptErrors as ErrorRecord[]).map((e) => e.type)).toEqual(["timeout"]);
    expect(rig.pixellab.stats().aborted - abortedBefore).toBe(1);
  }, 60_000);
});
