import { afterAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpAnonymous, signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { waitFor } from "../harness/wait-for.ts";

interface ProblemBody {
  type: string;
  detail: string;
  activeJobs?: number;
  limit?: number;
}

/**
 * Waits, if needed, until the current minute (UTC) has at least 15 s left, so that a test's
 * submissions all fall in one rate window.
 */
async function clearOfMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe("per-user and queue-wide limits", () => {
  const rigs: ApiRig[] = [];
  const rigWith = async (env: Record<string, string> = {}) => {
    const rig = await startApiRig({ env });
    rigs.push(rig);
    return rig;
  };
  afterAll(() => Promise.all(rigs.map((r) => r.close())));

  it("accepts exactly 5 of 20 simultaneous distinct submissions by one user, refusing the rest with 429", async () => {
    const rig = await rigWith();
    const user = await signUpUser();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(`sprite number ${i}`) }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);

    const refused = responses.find((r) => r.status === 429);
    expect(refused?.headers.get("retry-after")).toBe("30");
    expect(refused?.body).toMatchObject({ type: "/problems/user-limit-reached", activeJobs: 5, limit: 5 });

    const jobs = await rig.runtime.firestore.collection("jobs").where("userId", "==", user.uid).get();
    expect(jobs.size).toBe(5);
    expect(await rig.listTasks()).toHaveLength(5);
    const claims = await rig.runtime.firestore
      .collection("dedupClaims")
      .where("userId", "==", user.uid)
      .get();
    expect(claims.size).toBe(5); // refused submissions left no claim behind
  });

  it("frees a slot when the user cancels, so the next submission is accepted", async () => {
    const rig = await rigWith({ USER_ACTIVE_JOB_LIMIT: "2" });
    const user = await signUpUser();
    const first = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("slot one"),
    });
    await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody("slot two") });
    const third = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("slot three"),
    });
    expect(third.status).toBe(429);
    const { jobId } = first.body as { jobId: string };
    expect((await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken })).status).toBe(200);
    const retried = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("slot three"),
    });
    expect(retried.status).toBe(202);
  });

  it("holds the submission rate under a burst: of 12 simultaneous submissions at 4 per minute, exactly 4 are taken", async () => {
    const rig = await rigWith({ USER_SUBMIT_RATE_PER_MIN: "4", USER_ACTIVE_JOB_LIMIT: "50" });
    const user = await signUpUser();
    await clearOfMinuteEnd();
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(`rate burst ${i}`) }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(4).fill(202), ...Array(8).fill(429)]);
    const refused = responses.find((r) => r.status === 429);
    const body = refused?.body as ProblemBody & { resetsAt: string; retryAfterSeconds: number };
    expect(body).toMatchObject({
      type: "/problems/rate-limited",
      limitName: "submissions-per-minute",
      limit: 4,
    });
    // It resets at the next whole minute (UTC), which Retry-After counts down to.
    const resetsAt = Date.parse(body.resetsAt);
    expect(resetsAt % 60_000).toBe(0);
    expect(resetsAt - Date.now()).toBeGreaterThan(0);
    expect(resetsAt - Date.now()).toBeLessThanOrEqual(60_000);
    expect(refused?.headers.get("retry-after")).toBe(String(body.retryAfterSeconds));

    const db = rig.runtime.firestore;
    const jobs = await db.collection("jobs").where("userId", "==", user.uid).get();
    expect(jobs.size).toBe(4);
    expect(await rig.listTasks()).toHaveLength(4);
    const slots = await db.collection("rateSlots").where("userId", "==", user.uid).get();
    expect(slots.docs.map((d) => d.id.split("_").pop()).sort()).toEqual(["0", "1", "2", "3"]);
    // Another user has a rate of their own.
    const other = await signUpUser();
    const theirs = await call(rig.url, "POST", "/v1/jobs", {
      token: other.idToken,
      json: pixfluxBody("mine"),
    });
    expect(theirs.status).toBe(202);
  });

  it("gives anonymous users the stricter defaults: 2 active jobs, where a signed-in user has 5", async () => {
    const rig = await rigWith();
    const anonymous = await signUpAnonymous();
    const signedIn = await signUpUser();
    const submitAs = (token: string, d: string) =>
      call(rig.url, "POST", "/v1/jobs", { token, json: pixfluxBody(d) });
    const anon = [];
    for (const d of ["one", "two", "three"]) anon.push(await submitAs(anonymous.idToken, d));
    expect(anon.map((r) => r.status)).toEqual([202, 202, 429]);
    expect(anon[2]?.body).toMatchObject({
      type: "/problems/user-limit-reached",
      limitName: "active-jobs",
      limit: 2,
    });
    const mine = [];
    for (const d of ["one", "two", "three"]) mine.push(await submitAs(signedIn.idToken, d));
    expect(mine.map((r) => r.status)).toEqual([202, 202, 202]);
    const jobs = await rig.runtime.firestore.collection("jobs").where("userId", "==", anonymous.uid).get();
    expect(jobs.size).toBe(2);
  });

  it("gives anonymous users the stricter submission rate: 10 a minute by default", async () => {
    const rig = await rigWith({ ANON_USER_ACTIVE_JOB_LIMIT: "20" });
    const anonymous = await signUpAnonymous();
    await clearOfMinuteEnd();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await call(rig.url, "POST", "/v1/jobs", {
        token: anonymous.idToken,
        json: pixfluxBody(`anonymous ${i}`),
      });
      statuses.push(res.status);
      if (res.status === 429)
        expect(res.body).toMatchObject({ limitName: "submissions-per-minute", limit: 10 });
    }
    expect(statuses).toEqual([...Array(10).fill(202), 429]);
  });

  it("refuses with 503 and Retry-After once the queue holds its capacity, writing nothing", async () => {
    const rig = await rigWith({ QUEUE_CAPACITY: "3", QUEUE_WARNING_THRESHOLD: "2" });
    const users = await Promise.all([1, 2, 3, 4].map(() => signUpUser()));
    for (const [i, user] of users.slice(0, 3).entries()) {
      const res = await call(rig.url, "POST", "/v1/jobs", {
        token: user.idToken,
        json: pixfluxBody(`fill ${i}`),
      });
      expect(res.status).toBe(202);
    }
    const late = users[3]!;
    const full = await call(rig.url, "POST", "/v1/jobs", {
      token: late.idToken,
      json: pixfluxBody("one too many"),
    });
    expect(full.status).toBe(503);
    expect((full.body as ProblemBody).type).toBe("/problems/queue-full");
    // One job over capacity drains at 10 concurrent × 30 s per job: 3 s.
    expect(full.headers.get("retry-after")).toBe("3");
    const jobs = await rig.runtime.firestore.collection("jobs").where("userId", "==", late.uid).get();
    expect(jobs.size).toBe(0);
    expect(await rig.listTasks()).toHaveLength(3);
  });

  it("holds the capacity under a burst: of 40 simultaneous submissions at capacity 10, at most 10 stay", async () => {
    const rig = await rigWith({ QUEUE_CAPACITY: "10", QUEUE_WARNING_THRESHOLD: "8" });
    const users = await Promise.all(Array.from({ length: 40 }, () => signUpUser()));
    const responses = await Promise.all(
      users.map((user, i) =>
        call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(`burst ${i}`) }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 202);
    const refused = responses.filter((r) => r.status === 503);
    expect(accepted.length + refused.length).toBe(40);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(10);
    expect(new Set(refused.map((r) => (r.body as ProblemBody).type))).toEqual(
      new Set(["/problems/queue-full"]),
    );
    // What stands is exactly the accepted jobs, each with its task; the refused left nothing behind.
    const db = rig.runtime.firestore;
    const jobs = await db.collection("jobs").get();
    expect(jobs.docs.map((d) => d.id).sort()).toEqual(
      accepted.map((r) => (r.body as { jobId: string }).jobId).sort(),
    );
    expect(await rig.listTasks()).toHaveLength(accepted.length);
    expect((await db.collection("userSlots").get()).size).toBe(accepted.length);
    const claims = await db.collection("dedupClaims").get();
    expect(claims.size).toBe(accepted.length);
  });

  it("publishes queue.threshold when an admission reaches the warning level", async () => {
    const rig = await rigWith({ QUEUE_CAPACITY: "5", QUEUE_WARNING_THRESHOLD: "2" });
    for (const i of [1, 2, 3]) {
      const user = await signUpUser();
      await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(`depth ${i}`) });
    }
    const event = await waitFor(() => rig.events.find((m) => m.attributes.type === "queue.threshold"), {
      timeoutMs: 15_000,
      description: "a queue.threshold event",
    });
    expect(JSON.parse(event.data.toString())).toMatchObject({
      data: { activeJobs: 2, threshold: 2, capacity: 5 },
    });
    await waitFor(() => rig.events.filter((m) => m.attributes.type === "job.queued").length === 3, {
      timeoutMs: 15_000,
      description: "three job.queued events",
    });
    expect(rig.events.filter((m) => m.attributes.type === "queue.threshold")).toHaveLength(1);
  });

  it("undoes the job and answers 503 when the task cannot be enqueued", async () => {
    const rig = await rigWith();
    await rig.tasksClient.deleteQueue({ name: rig.queueName });
    const user = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("a lost task"),
    });
    expect(res.status).toBe(503);
    expect((res.body as ProblemBody).type).toBe("/problems/unavailable");
    const db = rig.runtime.firestore;
    expect((await db.collection("jobs").where("userId", "==", user.uid).get()).size).toBe(0);
    expect((await db.collection("userSlots").where("userId", "==", user.uid).get()).size).toBe(0);
    expect((await db.collection("dedupClaims").where("userId", "==", user.uid).get()).size).toBe(0);
  });
});
