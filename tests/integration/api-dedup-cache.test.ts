import { Timestamp } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { waitFor } from "../harness/wait-for.ts";
import { signUpUser } from "../harness/auth-users.ts";
import { startRedis, type RunningService } from "../harness/emulators.ts";
import { cacheKeyOf, pixfluxBody, TINY_PNG } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { checkPrerequisites } from "../harness/prerequisites.ts";
import { seedCachedResult } from "../harness/seed-jobs.ts";

interface JobBody {
  jobId: string;
  status: string;
  cached?: boolean;
  deduplicated?: boolean;
  result?: { images: { base64: string; width: number; height: number }[] };
}

const RESULT = {
  images: [{ base64: TINY_PNG, width: 1, height: 1, format: "png" }],
  usage: { type: "usd", usd: 0.01 },
};

describe("dedup and the result cache", () => {
  let rig: ApiRig;
  let redis: RunningService;

  beforeAll(async () => {
    // A private Redis for this file, so stopping it does not disturb other files.
    redis = await startRedis(checkPrerequisites());
    // Hit counts are written in batches; a short interval lets the test see the batch land.
    rig = await startApiRig({ env: { REDIS_URL: `redis://${redis.host}`, CACHE_HIT_FLUSH_MS: "200" } });
  });
  afterAll(async () => {
    await rig.close();
    await redis.process.stop();
  });

  const seedCache = (body: { operation: string; input: unknown }) =>
    seedCachedResult(rig.runtime.firestore, body, RESULT);

  it("returns the same job for a repeat with reordered keys and changed whitespace", async () => {
    const user = await signUpUser();
    const first = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("a red  dragon", { seed: 7, shading: "flat shading" }),
    });
    const repeat = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: {
        input: {
          shading: "flat shading",
          image_size: { height: 64, width: 64 },
          seed: 7,
          description: " a red dragon ",
        },
        operation: "generate-image-pixflux",
      },
    });
    expect(first.status).toBe(202);
    expect(repeat.status).toBe(202);
    const original = first.body as JobBody;
    expect(repeat.body).toMatchObject({ jobId: original.jobId, status: "queued", deduplicated: true });
    const jobs = await rig.runtime.firestore.collection("jobs").where("userId", "==", user.uid).get();
    expect(jobs.size).toBe(1);
    expect((await rig.listTasks()).filter((t) => t.name?.includes(original.jobId))).toHaveLength(1);
  });

  it("absorbs simultaneous identical submissions into one job", async () => {
    const user = await signUpUser();
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody("a twin") }),
      ),
    );
    const ids = new Set(responses.map((r) => (r.body as JobBody).jobId));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(ids.size).toBe(1);
    const jobs = await rig.runtime.firestore.collection("jobs").where("userId", "==", user.uid).get();
    expect(jobs.size).toBe(1);
  });

  it("dedups per user: another user's identical request gets its own job", async () => {
    const [a, b] = [await signUpUser(), await signUpUser()];
    const ra = await call(rig.url, "POST", "/v1/jobs", {
      token: a.idToken,
      json: pixfluxBody("a shared idea"),
    });
    const rb = await call(rig.url, "POST", "/v1/jobs", {
      token: b.idToken,
      json: pixfluxBody("a shared idea"),
    });
    expect((ra.body as JobBody).jobId).not.toBe((rb.body as JobBody).jobId);
    expect(rb.body).not.toHaveProperty("deduplicated");
  });

  it("answers a cache hit with 200 and a completed job document, with no task and no slot", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a cached chest", { seed: 3 });
    await seedCache(body);
    const tasksBefore = (await rig.listTasks()).length;
    const res = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    expect(res.status).toBe(200);
    const hit = res.body as JobBody;
    expect(hit).toMatchObject({ status: "completed", cached: true });
    expect(hit.result?.images[0]).toMatchObject({ base64: TINY_PNG, width: 1, height: 1 });
    const doc = await rig.runtime.firestore.collection("jobs").doc(hit.jobId).get();
    expect(doc.data()).toMatchObject({ status: "completed", cached: true, slot: null, userId: user.uid });
    expect(doc.get("progress")).toEqual({ percent: 100, stage: "done" });
    expect(await rig.listTasks()).toHaveLength(tasksBefore);
    const slots = await rig.runtime.firestore.collection("userSlots").where("userId", "==", user.uid).get();
    expect(slots.size).toBe(0);
    const entry = rig.runtime.firestore.collection("cache").doc(cacheKeyOf(body));
    expect((await entry.get()).get("hits")).toBe(0); // the hit itself wrote nothing to the entry
    await waitFor(async () => (await entry.get()).get("hits") === 1, {
      description: "the batched hit count",
    });
  });

  it("serves the cache to every user, and a repeat within the window returns the same completed job", async () => {
    const body = pixfluxBody("a popular potion", { seed: 11 });
    await seedCache(body);
    const [a, b] = [await signUpUser(), await signUpUser()];
    const ra = await call(rig.url, "POST", "/v1/jobs", { token: a.idToken, json: body });
    const rb = await call(rig.url, "POST", "/v1/jobs", { token: b.idToken, json: body });
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect((rb.body as JobBody).cached).toBe(true);
    const again = await call(rig.url, "POST", "/v1/jobs", { token: a.idToken, json: body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      jobId: (ra.body as JobBody).jobId,
      deduplicated: true,
      status: "completed",
    });
  });

  it('skips the cache with cache:"bypass" and queues a generation', async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a bypassed sword", { seed: 5 });
    await seedCache(body);
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: { ...body, options: { cache: "bypass" } },
    });
    expect(res.status).toBe(202);
    expect((res.body as JobBody).status).toBe("queued");
  });

  it("ignores an expired cache entry", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a stale shield", { seed: 9 });
    await rig.runtime.firestore
      .collection("cache")
      .doc(cacheKeyOf(body))
      .set({
        result: RESULT,
        createdAt: Timestamp.now(),
        expireAt: Timestamp.fromMillis(Date.now() - 1_000),
        hits: 0,
      });
    const res = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    expect(res.status).toBe(202);
  });

  it("keeps serving from Firestore when Redis stops mid-test", async () => {
    const body = pixfluxBody("a resilient gem", { seed: 13 });
    await seedCache(body);
    const warm = await call(rig.url, "POST", "/v1/jobs", { token: (await signUpUser()).idToken, json: body });
    expect(warm.status).toBe(200); // this hit also filled Redis
    await redis.process.stop();
    const res = await call(rig.url, "POST", "/v1/jobs", { token: (await signUpUser()).idToken, json: body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", cached: true });
    const miss = await call(rig.url, "POST", "/v1/jobs", {
      token: (await signUpUser()).idToken,
      json: pixfluxBody("a new gem"),
    });
    expect(miss.status).toBe(202);
  });
});
