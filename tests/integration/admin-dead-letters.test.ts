import type { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpAdmin, signUpUser, type TestUser } from "../harness/auth-users.ts";
import { call } from "../harness/http-client.ts";
import { failedJob, seedDeadLetter } from "../harness/seed-jobs.ts";
import { waitFor } from "../harness/wait-for.ts";

interface EntryView {
  jobId: string;
  errorType: string;
  attemptErrors: unknown[];
  failedAt: string;
  job: { input?: unknown; run: number };
}
interface Page {
  entries: EntryView[];
  nextCursor: string | null;
}

describe("dead-letter admin API", () => {
  let rig: ApiRig;
  let admin: TestUser;
  let user: TestUser;
  let firestore: Firestore;
  const base = Date.now() - 3_600_000;
  const entryDoc = (id: string) => firestore.collection("deadLetters").doc(id);
  const jobDoc = (id: string) => firestore.collection("jobs").doc(id);
  const asAdmin = (method: string, path: string, json?: unknown) =>
    call(rig.url, method, path, { token: admin.idToken, json });
  const taskIds = async () => (await rig.listTasks()).map((t) => t.name?.split("/").at(-1));
  const eventFor = (type: string, jobId: string) =>
    waitFor(
      () =>
        rig.events
          .map((m) => ({ type: m.attributes.type, body: JSON.parse(m.data.toString("utf8")) }))
          .find((e) => e.type === type && e.body.jobId === jobId),
      { description: `${type} for ${jobId}` },
    );

  beforeAll(async () => {
    rig = await startApiRig();
    firestore = rig.runtime.firestore;
    [admin, user] = [await signUpAdmin(), await signUpUser()];
  });
  afterAll(() => rig.close());

  it("refuses callers without the admin claim (403) and without a token (401)", async () => {
    const job = await seedDeadLetter(firestore, failedJob("upstream", base));
    const routes: [string, string, unknown?][] = [
      ["GET", "/v1/admin/dead-letters"],
      ["POST", `/v1/admin/dead-letters/${job.id}/retry`],
      ["DELETE", `/v1/admin/dead-letters/${job.id}`],
      ["POST", "/v1/admin/dead-letters:retry", { jobIds: [job.id] }],
    ];
    for (const [method, path, json] of routes) {
      const res = await call(rig.url, method, path, { token: user.idToken, json });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toMatchObject({ type: "/problems/forbidden" });
    }
    expect((await call(rig.url, "GET", "/v1/admin/dead-letters")).status).toBe(401);
    expect((await entryDoc(job.id).get()).exists).toBe(true);
    expect((await jobDoc(job.id).get()).get("status")).toBe("failed");
  });

  it("lists entries newest first, filtered by error type, a page at a time", async () => {
    const quota = [0, 1, 2].map((i) => failedJob("quota", base - i * 1000));
    for (const job of [...quota, failedJob("network", base + 5000)]) await seedDeadLetter(firestore, job);

    const first = await asAdmin("GET", "/v1/admin/dead-letters?errorType=quota&limit=2");
    expect(first.status).toBe(200);
    const page1 = first.body as Page;
    expect(page1.entries.map((e) => e.jobId)).toEqual([quota[0]?.id, quota[1]?.id]);
    expect(page1.entries[0]).toMatchObject({ errorType: "quota", failedAt: new Date(base).toISOString() });
    expect(page1.entries[0]?.attemptErrors).toHaveLength(3);
    expect(page1.entries[0]?.job.input).toBeUndefined();
    expect(page1.nextCursor).toEqual(expect.any(String));

    const cursor = encodeURIComponent(page1.nextCursor as string);
    const second = await asAdmin("GET", `/v1/admin/dead-letters?errorType=quota&limit=2&cursor=${cursor}`);
    expect(second.body).toEqual({
      entries: [expect.objectContaining({ jobId: quota[2]?.id })],
      nextCursor: null,
    });

    const one = await asAdmin("GET", `/v1/admin/dead-letters/${quota[0]?.id}`);
    expect(one.status).toBe(200);
    expect((one.body as EntryView).job.input).toMatchObject({ description: expect.any(String) });
  });

  it("answers 422 naming every bad query parameter", async () => {
    const res = await asAdmin("GET", "/v1/admin/dead-letters?errorType=nope&limit=0&cursor=garbage");
    expect(res.status).toBe(422);
    const paths = (res.body as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths).toEqual(["errorType", "limit", "cursor"]);
  });

  it("retries one entry: the job is queued as a new run with a task, the entry is gone, an event says so", async () => {
    const job = await seedDeadLetter(firestore, failedJob("upstream", base, { pixellabJobId: "pl-1" }));
    const res = await asAdmin("POST", `/v1/admin/dead-letters/${job.id}/retry`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ jobId: job.id, status: "queued", attempts: 0, maxAttempts: 3 });

    const stored = (await jobDoc(job.id).get()).data();
    expect(stored).toMatchObject({
      status: "queued",
      attempts: 0,
      run: 1,
      attemptErrors: [],
      pixellabJobId: null,
      error: null,
      slot: 0,
    });
    const slot = await firestore.collection("userSlots").doc(`${job.userId}_0`).get();
    expect(slot.get("jobId")).toBe(job.id);
    expect((await entryDoc(job.id).get()).exists).toBe(false);
    expect(await taskIds()).toContain(`job-${job.id}-r1-a1`);
    const event = await eventFor("job.queued", job.id);
    expect(event.body).toMatchObject({
      userId: job.userId,
      data: { replay: true, run: 1, previous: { errorType: "upstream", attempts: 3 } },
    });
  });

  it("retry answers 404 without an entry and 409 when the job is no longer failed", async () => {
    const missing = await asAdmin("POST", "/v1/admin/dead-letters/nosuchjob/retry");
    expect(missing.status).toBe(404);

    const replayed = await seedDeadLetter(firestore, failedJob("timeout", base));
    expect((await asAdmin("POST", `/v1/admin/dead-letters/${replayed.id}/retry`)).status).toBe(202);
    expect((await asAdmin("POST", `/v1/admin/dead-letters/${replayed.id}/retry`)).status).toBe(404);

    const stale = await seedDeadLetter(firestore, failedJob("timeout", base));
    await jobDoc(stale.id).update({ status: "completed" });
    const conflict = await asAdmin("POST", `/v1/admin/dead-letters/${stale.id}/retry`);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ type: "/problems/conflict", jobStatus: "completed" });
    expect((await entryDoc(stale.id).get()).exists).toBe(true);
    // The slot the refused replay took is given back.
    const slots = await firestore.collection("userSlots").where("userId", "==", stale.userId).get();
    expect(slots.size).toBe(0);
  });

  it("deletes one entry (204); the job stays failed; a second delete is 404", async () => {
    const job = await seedDeadLetter(firestore, failedJob("network", base));
    const res = await asAdmin("DELETE", `/v1/admin/dead-letters/${job.id}`);
    expect(res.status).toBe(204);
    expect((await entryDoc(job.id).get()).exists).toBe(false);
    expect((await jobDoc(job.id).get()).get("status")).toBe("failed");
    expect((await asAdmin("DELETE", `/v1/admin/dead-letters/${job.id}`)).status).toBe(404);
  });

  it("bulk retry by error type, newest first, up to the limit", async () => {
    const auth = [0, 1, 2].map((i) => failedJob("authentication", base - i * 1000));
    const other = failedJob("rate_limit", base);
    for (const job of [...auth, other]) await seedDeadLetter(firestore, job);

    const firstTwo = await asAdmin("POST", "/v1/admin/dead-letters:retry", {
      errorType: "authentication",
      limit: 2,
    });
    expect(firstTwo.status).toBe(200);
    expect(firstTwo.body).toEqual({ retried: 2, jobIds: [auth[0]?.id, auth[1]?.id], failed: [] });
    const rest = await asAdmin("POST", "/v1/admin/dead-letters:retry", { errorType: "authentication" });
    expect(rest.body).toEqual({ retried: 1, jobIds: [auth[2]?.id], failed: [] });

    const tasks = await taskIds();
    for (const job of auth) {
      expect(tasks).toContain(`job-${job.id}-r1-a1`);
      expect((await jobDoc(job.id).get()).get("status")).toBe("queued");
    }
    expect((await entryDoc(other.id).get()).exists).toBe(true);
    expect((await jobDoc(other.id).get()).get("status")).toBe("failed");
  });

  it("bulk delete by error type and by job ids, reporting what it could not do", async () => {
    const validation = [0, 1].map((i) => failedJob("validation", base - i * 1000));
    const listed = failedJob("network", base - 7000);
    for (const job of [...validation, listed]) await seedDeadLetter(firestore, job);

    const byType = await asAdmin("POST", "/v1/admin/dead-letters:delete", { errorType: "validation" });
    expect(byType.body).toEqual({ deleted: 2, jobIds: validation.map((j) => j.id), failed: [] });
    const byIds = await asAdmin("POST", "/v1/admin/dead-letters:delete", { jobIds: [listed.id, "gonejob"] });
    expect(byIds.body).toEqual({
      deleted: 1,
      jobIds: [listed.id],
      failed: [{ jobId: "gonejob", reason: "not-found" }],
    });
    for (const job of [...validation, listed]) expect((await entryDoc(job.id).get()).exists).toBe(false);

    const empty = await asAdmin("POST", "/v1/admin/dead-letters:delete", {});
    expect(empty.status).toBe(422);
    const tooMany = await asAdmin("POST", "/v1/admin/dead-letters:delete", {
      errorType: "quota",
      limit: 501,
    });
    expect(tooMany.status).toBe(422);
    expect((tooMany.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(["limit"]);
  });
});
