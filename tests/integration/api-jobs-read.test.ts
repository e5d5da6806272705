import { Timestamp } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody, TINY_PNG } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { seedCachedResult, TINY_RESULT } from "../harness/seed-jobs.ts";

interface JobView {
  jobId: string;
  status: string;
  progress: { percent: number; stage: string };
  cancelRequested: boolean;
  result?: { images: { url: string; width: number }[] };
}

describe("reading, listing and cancelling jobs", () => {
  let rig: ApiRig;
  let owner: TestUser;
  let stranger: TestUser;
  const submit = async (user: TestUser, description: string) => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody(description),
    });
    return (res.body as { jobId: string }).jobId;
  };
  const jobDoc = (id: string) => rig.runtime.firestore.collection("jobs").doc(id);

  beforeAll(async () => {
    rig = await startApiRig();
    [owner, stranger] = [await signUpUser(), await signUpUser()];
  });
  afterAll(() => rig.close());

  it("GET shows the owner's job with an ETag, and 304 for If-None-Match", async () => {
    const jobId = await submit(owner, "an etag test");
    const res = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: owner.idToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      jobId,
      status: "queued",
      progress: { percent: 0, stage: "queued" },
      attempts: 0,
    });
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"\d+(-[^"]+)?"$/);
    const again = await call(rig.url, "GET", `/v1/jobs/${jobId}`, {
      token: owner.idToken,
      headers: { "if-none-match": etag! },
    });
    expect(again.status).toBe(304);
    await jobDoc(jobId).update({ progress: { percent: 5, stage: "dequeued" } });
    const changed = await call(rig.url, "GET", `/v1/jobs/${jobId}`, {
      token: owner.idToken,
      headers: { "if-none-match": etag! },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("another user's job and a missing job are both 404", async () => {
    const jobId = await submit(owner, "a private job");
    const theirs = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: stranger.idToken });
    const missing = await call(rig.url, "GET", "/v1/jobs/doesnotexist", { token: owner.idToken });
    expect([theirs.status, missing.status]).toEqual([404, 404]);
    expect(theirs.body).toMatchObject({ type: "/problems/not-found" });
    expect((await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: stranger.idToken })).status).toBe(
      404,
    );
    expect((await jobDoc(jobId).get()).get("status")).toBe("queued");
  });

  it("long-poll returns as soon as the job changes, and after waitSeconds when it does not", async () => {
    const jobId = await submit(owner, "a long poll");
    const first = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: owner.idToken });
    const etag = first.headers.get("etag")!;
    const pending = call(rig.url, "GET", `/v1/jobs/${jobId}?waitSeconds=20`, {
      token: owner.idToken,
      headers: { "if-none-match": etag },
    });
    await new Promise((r) => setTimeout(r, 300)); // let the request reach its listener first
    await jobDoc(jobId).update({ progress: { percent: 10, stage: "generating" }, status: "processing" });
    const changed = await pending;
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      status: "processing",
      progress: { percent: 10, stage: "generating" },
    });

    const quiet = await call(rig.url, "GET", `/v1/jobs/${jobId}?waitSeconds=1`, {
      token: owner.idToken,
      headers: { "if-none-match": changed.headers.get("etag")! },
    });
    expect(quiet.status).toBe(304);
    const bad = await call(rig.url, "GET", `/v1/jobs/${jobId}?waitSeconds=60`, { token: owner.idToken });
    expect(bad.status).toBe(422);
  });

  it("result: 409 while not completed, the PNG bytes once completed", async () => {
    const jobId = await submit(owner, "a result test");
    const early = await call(rig.url, "GET", `/v1/jobs/${jobId}/result`, { token: owner.idToken });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ type: "/problems/conflict", jobStatus: "queued" });

    const body = pixfluxBody("a finished result", { seed: 1 });
    await seedCachedResult(rig.runtime.firestore, body, TINY_RESULT, 60_000);
    const hit = await call(rig.url, "POST", "/v1/jobs", { token: owner.idToken, json: body });
    const done = (
      await call(rig.url, "GET", `/v1/jobs/${(hit.body as JobView).jobId}`, { token: owner.idToken })
    ).body as JobView;
    const url = done.result?.images[0]?.url as string;
    const png = await call(rig.url, "GET", url, { token: owner.idToken });
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(png.bytes.equals(Buffer.from(TINY_PNG, "base64"))).toBe(true);
    const outOfRange = await call(rig.url, "GET", `${url.split("?")[0]}?index=3`, { token: owner.idToken });
    expect(outOfRange.status).toBe(404);
  });

  it("lists the caller's jobs newest first, filtered by status and paginated by cursor", async () => {
    const lister = await signUpUser();
    const ids = [];
    for (const d of ["list a", "list b", "list c"]) ids.push(await submit(lister, d));
    await submit(stranger, "not mine");
    const page1 = await call(rig.url, "GET", "/v1/jobs?limit=2", { token: lister.idToken });
    const body1 = page1.body as { jobs: JobView[]; nextCursor: string };
    expect(body1.jobs.map((j) => j.jobId)).toEqual([ids[2], ids[1]]);
    const page2 = await call(rig.url, "GET", `/v1/jobs?limit=2&cursor=${body1.nextCursor}`, {
      token: lister.idToken,
    });
    expect(page2.body).toEqual({ jobs: [expect.objectContaining({ jobId: ids[0] })], nextCursor: null });

    await call(rig.url, "DELETE", `/v1/jobs/${ids[1]}`, { token: lister.idToken });
    const cancelled = await call(rig.url, "GET", "/v1/jobs?status=cancelled", { token: lister.idToken });
    expect((cancelled.body as { jobs: JobView[] }).jobs.map((j) => j.jobId)).toEqual([ids[1]]);
    const invalid = await call(rig.url, "GET", "/v1/jobs?status=done&limit=500&cursor=zzz", {
      token: lister.idToken,
    });
    expect(invalid.status).toBe(422);
  });

  it("DELETE cancels a queued job, deletes its task and frees its slot; a second DELETE is 409", async () => {
    const jobId = await submit(owner, "a job to cancel");
    const taskName = `${rig.queueName}/tasks/job-${jobId}-a1`;
    expect((await rig.listTasks()).map((t) => t.name)).toContain(taskName);
    const res = await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: owner.idToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jobId, status: "cancelled" });
    const doc = await jobDoc(jobId).get();
    expect(doc.data()).toMatchObject({ status: "cancelled", slot: null });
    expect((await rig.listTasks()).map((t) => t.name)).not.toContain(taskName);
    const slots = await rig.runtime.firestore.collection("userSlots").where("jobId", "==", jobId).get();
    expect(slots.size).toBe(0);
    const again = await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: owner.idToken });
    expect(again.status).toBe(409);
  });

  it("DELETE of a processing job marks it for the handler (202) and frees the slot", async () => {
    const jobId = await submit(owner, "a running job");
    await jobDoc(jobId).update({
      status: "processing",
      attempts: 1,
      leaseId: "lease-1",
      leaseExpiresAt: Timestamp.fromMillis(Date.now() + 60_000),
      progress: { percent: 10, stage: "generating" },
    });
    const res = await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: owner.idToken });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "processing", cancelRequested: true });
    expect((await jobDoc(jobId).get()).data()).toMatchObject({
      status: "processing",
      cancelRequested: true,
      slot: null,
    });
  });

  it("health: /healthz is 200; /health reports each dependency and 503 when the queue is gone", async () => {
    expect((await call(rig.url, "GET", "/healthz")).status).toBe(200);
    const healthy = await call(rig.url, "GET", "/health");
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({
      healthy: true,
      dependencies: {
        firestore: { status: "up", required: true },
        cloudTasks: { status: "up", required: true },
      },
    });
    const other = await startApiRig();
    await other.tasksClient.deleteQueue({ name: other.queueName });
    const sick = await call(other.url, "GET", "/health");
    await other.close();
    expect(sick.status).toBe(503);
    expect(sick.body).toMatchObject({ healthy: false, dependencies: { cloudTasks: { status: "down" } } });
  });
});
