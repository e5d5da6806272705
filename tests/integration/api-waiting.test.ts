import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../shared/submission/job-view.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { attemptError, seedJob, seedSlot, testJob } from "../harness/seed-jobs.ts";

/**
 * `GET /v1/jobs/{id}` on a queued job says why it waits, against the Firestore and Cloud Tasks
 * emulators: nothing here runs the handler, so submitted jobs stay queued.
 */
describe("why a queued job waits", () => {
  let paused: ApiRig;
  let running: ApiRig;
  beforeAll(async () => {
    // The rig's queue is paused unless asked otherwise; the running one dispatches to an unused port.
    [paused, running] = await Promise.all([startApiRig(), startApiRig({ pauseQueue: false })]);
  });
  afterAll(() => Promise.all([paused?.close(), running?.close()]));

  const submit = async (rig: ApiRig, user: TestUser, description: string) => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody(description),
    });
    expect(res.status).toBe(202);
    return res.body as { jobId: string; position: number; estimatedWaitMs: number };
  };
  const read = async (rig: ApiRig, user: TestUser, jobId: string) => {
    const res = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: user.idToken });
    expect(res.status).toBe(200);
    return res.body as JobView;
  };

  it("a paused queue, from the queue's own state in Cloud Tasks", async () => {
    const user = await signUpUser();
    const { jobId } = await submit(paused, user, "a paused sprite");
    expect((await read(paused, user, jobId)).waiting).toEqual({
      code: "queue-paused",
      message: "The queue is paused by its operator; the job starts once it runs again.",
    });
  });

  it("its place in line and the estimate its 202 gave, for one aggregation read more", async () => {
    const users = await Promise.all([signUpUser(), signUpUser(), signUpUser()]);
    const submitted = [];
    for (const [i, user] of users.entries()) submitted.push(await submit(running, user, `in line ${i}`));
    const last = submitted[2]!;
    const before = running.runtime.meter.totals();
    const view = await read(running, users[2]!, last.jobId);
    const after = running.runtime.meter.totals();
    expect(view.waiting).toMatchObject({
      code: "in-line",
      position: last.position,
      estimatedWaitMs: last.estimatedWaitMs,
    });
    expect(view.waiting?.position).toBe(2);
    expect(after.reads - before.reads).toBe(2); // the job and the count of slots before it
    expect(after.writes - before.writes).toBe(0);
    expect((await read(running, users[0]!, submitted[0]!.jobId)).waiting).toMatchObject({ position: 0 });
  });

  it("a retry's backoff and when it ends, naming PixelLab's concurrency limit when that is the cause", async () => {
    const user = await signUpUser();
    const db = running.runtime.firestore;
    const now = Date.now();
    const atCap = { ...attemptError("rate_limit", now - 1_000, "Too many concurrent jobs"), status: 429 };
    const capped = testJob({
      userId: user.uid,
      attempts: 1,
      nextAttemptAt: now + 30_000,
      error: atCap,
      attemptErrors: [atCap],
    });
    const timedOut = attemptError("timeout", now - 1_000, "attempt timed out");
    const backoff = testJob({
      userId: user.uid,
      attempts: 2,
      nextAttemptAt: now + 8_000,
      error: timedOut,
      attemptErrors: [timedOut],
    });
    for (const [slot, job] of [capped, backoff].entries()) {
      await seedJob(db, job);
      await seedSlot(db, job, slot, now - 1_000);
    }
    const cappedView = await read(running, user, capped.id);
    expect(cappedView.waiting).toMatchObject({
      code: "pixellab-concurrency-limit",
      until: new Date(now + 30_000).toISOString(),
    });
    expect(cappedView.waiting?.retryAfterSeconds).toBeGreaterThan(20);
    expect(cappedView.waiting?.retryAfterSeconds).toBeLessThanOrEqual(30);
    const backoffView = await read(running, user, backoff.id);
    expect(backoffView.waiting).toMatchObject({
      code: "retry-backoff",
      until: new Date(now + 8_000).toISOString(),
    });
    expect(backoffView.waiting?.message).toContain("Attempt 2 failed (timeout); attempt 3 of 3 starts at");
  });

  it("nothing once the job has left the queue", async () => {
    const user = await signUpUser();
    const { jobId } = await submit(paused, user, "cancelled before it ran");
    expect((await call(paused.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken })).status).toBe(200);
    expect((await read(paused, user, jobId)).waiting).toBeUndefined();
  });
});
