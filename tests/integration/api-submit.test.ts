import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";

interface Accepted {
  jobId: string;
  status: string;
  position: number;
  estimatedWaitMs: number;
}
interface ProblemBody {
  type: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

describe("POST /v1/jobs", () => {
  let rig: ApiRig;
  let user: TestUser;
  const jobsOf = async (uid: string) =>
    (await rig.runtime.firestore.collection("jobs").where("userId", "==", uid).get()).docs;

  beforeAll(async () => {
    rig = await startApiRig();
    user = await signUpUser();
  });
  afterAll(() => rig.close());

  it("answers 202 with the job id, stores the normalised queued job and enqueues one task named after it", async () => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("  a  knight with a sword "),
    });
    expect(res.status).toBe(202);
    const body = res.body as Accepted;
    expect(body).toMatchObject({ status: "queued", position: 0, estimatedWaitMs: 0 });
    expect(res.headers.get("location")).toBe(`/v1/jobs/${body.jobId}`);

    const doc = await rig.runtime.firestore.collection("jobs").doc(body.jobId).get();
    expect(doc.data()).toMatchObject({
      userId: user.uid,
      operation: "generate-image-pixflux",
      status: "queued",
      attempts: 0,
      maxAttempts: 3,
      timeoutMs: 600_000,
      cached: false,
      result: null,
      progress: { percent: 0, stage: "queued" },
      input: { description: "a knight with a sword", text_guidance_scale: 8, seed: null },
    });
    expect(doc.get("cacheKey")).toMatch(/^[0-9a-f]{64}$/);

    const tasks = await rig.listTasks();
    const task = tasks.find((t) => t.name === `${rig.queueName}/tasks/job-${body.jobId}-a1`);
    expect(task?.httpRequest?.url).toBe(rig.config.taskHandlerUrl);
    const payload = JSON.parse(Buffer.from(task?.httpRequest?.body as Uint8Array).toString("utf8"));
    // The task carries the job as stored, at its stored version, so its claim need not read it.
    const stored = await rig.runtime.deps.store.getJob(body.jobId);
    expect(payload).toEqual({ jobId: body.jobId, attempt: 1, run: 0, lane: "interactive", known: stored });
    // 10 min job timeout + 30 s for the handler to store the outcome.
    expect(Number(task?.dispatchDeadline?.seconds)).toBe(630);
  });

  it("honours a per-job timeout and counts jobs ahead in the position", async () => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: (await signUpUser()).idToken,
      json: pixfluxBody("a slime", {}, { timeoutMs: 20_000 }),
    });
    expect(res.status).toBe(202);
    const body = res.body as Accepted;
    expect(body.position).toBeGreaterThanOrEqual(1);
    expect(body.estimatedWaitMs).toBe(Math.round((body.position / 10) * 30_000));
    const doc = await rig.runtime.firestore.collection("jobs").doc(body.jobId).get();
    expect(doc.get("timeoutMs")).toBe(20_000);
  });

  it("422 lists every invalid field, and writes and enqueues nothing", async () => {
    const stranger = await signUpUser();
    const tasksBefore = (await rig.listTasks()).length;
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: stranger.idToken,
      json: {
        operation: "generate-image-pixflux",
        input: {
          description: "x",
          image_size: { width: 8, height: 401 },
          text_guidance_scale: 25,
          outline: "thick",
          init_image: { type: "base64", base64: "not base64!" },
          colour: "red",
        },
        options: { timeoutMs: 5, cache: "sometimes" },
      },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = res.body as ProblemBody;
    expect(problem.type).toBe("/problems/validation-error");
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(
      [
        "input.colour",
        "input.image_size.height",
        "input.image_size.width",
        "input.init_image.base64",
        "input.outline",
        "input.text_guidance_scale",
        "options.cache",
        "options.timeoutMs",
      ].sort(),
    );
    expect(await jobsOf(stranger.uid)).toHaveLength(0);
    expect(await rig.listTasks()).toHaveLength(tasksBefore);
  });

  it.each([
    { name: "unknown operation", json: { operation: "paint", input: {} }, path: "operation" },
    { name: "missing input", json: { operation: "rotate" }, path: "input" },
    { name: "extra envelope key", json: { ...pixfluxBody("a cat"), priority: "high" }, path: "priority" },
    {
      name: "rotate without its image",
      json: { operation: "rotate", input: { image_size: { width: 32, height: 32 } } },
      path: "input.from_image",
    },
  ])("422 for $name", async ({ json, path }) => {
    const res = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json });
    expect(res.status).toBe(422);
    expect((res.body as ProblemBody).errors?.map((e) => e.path)).toContain(path);
  });

  it("401 without a token or with a forged one; nothing is written", async () => {
    const before = (await rig.listTasks()).length;
    const none = await call(rig.url, "POST", "/v1/jobs", { json: pixfluxBody("a cat") });
    expect(none.status).toBe(401);
    expect((none.body as ProblemBody).type).toBe("/problems/unauthorized");
    const forged = await call(rig.url, "POST", "/v1/jobs", {
      token: "not-a-jwt",
      json: pixfluxBody("a cat"),
    });
    expect(forged.status).toBe(401);
    expect(await rig.listTasks()).toHaveLength(before);
  });

  it("415 for a body that is not application/json", async () => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      rawBody: JSON.stringify(pixfluxBody("a cat")),
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect((res.body as ProblemBody).type).toBe("/problems/unsupported-media-type");
  });

  it("413 for a body over 2 MiB, before anything is stored", async () => {
    const stranger = await signUpUser();
    const huge = pixfluxBody("a cat", { negative_description: "x".repeat(2 * 1024 * 1024) });
    const res = await call(rig.url, "POST", "/v1/jobs", { token: stranger.idToken, json: huge });
    expect(res.status).toBe(413);
    expect((res.body as ProblemBody).type).toBe("/problems/payload-too-large");
    expect(await jobsOf(stranger.uid)).toHaveLength(0);
  });

  it("400 for a body that is not JSON (answered by the Functions Framework's parser); nothing is stored", async () => {
    const stranger = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: stranger.idToken,
      rawBody: '{"operation": ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(await jobsOf(stranger.uid)).toHaveLength(0);
  });

  it("replays the first response for a repeated Idempotency-Key and refuses the key for another body", async () => {
    const owner = await signUpUser();
    const headers = { "idempotency-key": "order-42" };
    const first = await call(rig.url, "POST", "/v1/jobs", {
      token: owner.idToken,
      json: pixfluxBody("a golem"),
      headers,
    });
    const again = await call(rig.url, "POST", "/v1/jobs", {
      token: owner.idToken,
      json: pixfluxBody("a golem"),
      headers,
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await jobsOf(owner.uid)).toHaveLength(1);

    const other = await call(rig.url, "POST", "/v1/jobs", {
      token: owner.idToken,
      json: pixfluxBody("a troll"),
      headers,
    });
    expect(other.status).toBe(422);
    expect((other.body as ProblemBody).errors?.[0]?.path).toBe("Idempotency-Key");
    expect(await jobsOf(owner.uid)).toHaveLength(1);
  });

  it("publishes job.queued with the job, user and operation as attributes", async () => {
    const owner = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", { token: owner.idToken, json: pixfluxBody("a bat") });
    const { jobId } = res.body as Accepted;
    const { waitFor } = await import("../harness/wait-for.ts");
    const event = await waitFor(() => rig.events.find((m) => m.attributes.jobId === jobId), {
      timeoutMs: 15_000,
      description: "the job.queued event",
    });
    expect(event.attributes).toMatchObject({ type: "job.queued", userId: owner.uid });
    expect(JSON.parse(event.data.toString())).toMatchObject({
      type: "job.queued",
      jobId,
      operation: "generate-image-pixflux",
    });
  });
});
