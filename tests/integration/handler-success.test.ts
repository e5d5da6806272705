import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody, cacheKeyOf } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, type QueueRig } from "../harness/queue-rig.ts";
import { waitFor } from "../harness/wait-for.ts";
import { readPng } from "../../shared/pixellab/png-header.ts";

interface Seen {
  status: string;
  stage: string;
  percent: number;
}

describe("processJob: the success path end to end", () => {
  let rig: QueueRig;
  beforeAll(async () => {
    rig = await startQueueRig();
  });
  afterAll(() => rig.close());

  /** Records every state a Firestore listener sees on the job, as a web client would. */
  function listen(jobId: string) {
    const seen: Seen[] = [];
    const stop = rig.runtime.firestore
      .collection("jobs")
      .doc(jobId)
      .onSnapshot((snap) => {
        const data = snap.data();
        if (data)
          seen.push({ status: data.status, stage: data.progress.stage, percent: data.progress.percent });
      });
    return { seen, stop };
  }

  it("moves queued → processing → completed without waiting on progress, stores the PNG and caches it", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a knight with a sword", { image_size: { width: 48, height: 32 }, seed: 42 });
    // Held in the queue until the listener is attached, as a client that subscribes right away sees it.
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    const submitted = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    expect(submitted.status).toBe(202);
    const { jobId } = submitted.body as { jobId: string };
    const watcher = listen(jobId);
    await waitFor(() => watcher.seen.length > 0, { description: "the listener's first snapshot" });
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    const done = await waitFor(
      async () => {
        const res = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: user.idToken });
        return (res.body as { status: string }).status === "completed" ? res : undefined;
      },
      { timeoutMs: 30_000, description: "the job to complete" },
    );
    await waitFor(() => watcher.seen.at(-1)?.status === "completed", {
      description: "the listener to see completion",
    });
    watcher.stop();

    // PixelLab answered at once: the stages in between were superseded before their write was due,
    // so the job went straight from the claim to its terminal write.
    const stages = [...new Set(watcher.seen.map((s) => s.stage))];
    expect(stages).toEqual(["queued", "dequeued", "done"]);
    const percents = watcher.seen.map((s) => s.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b)); // never goes backwards
    expect([...new Set(watcher.seen.map((s) => s.status))]).toEqual(["queued", "processing", "completed"]);

    expect(done.body).toMatchObject({
      status: "completed",
      attempts: 1,
      cached: false,
      progress: { percent: 100 },
    });
    const png = await call(rig.url, "GET", `/v1/jobs/${jobId}/result`, { token: user.idToken });
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(readPng(png.bytes)).toMatchObject({ ok: true, info: { width: 48, height: 32 } });

    const entry = await rig.runtime.firestore.collection("cache").doc(cacheKeyOf(body)).get();
    expect(entry.exists).toBe(true);
    const ttlDays = (entry.get("expireAt").toMillis() - entry.get("createdAt").toMillis()) / 86_400_000;
    expect(ttlDays).toBe(30);
    const slots = await rig.runtime.firestore.collection("userSlots").where("userId", "==", user.uid).get();
    expect(slots.size).toBe(0);
    expect(rig.pixellab.stats().calls["POST /v1/generate-image-pixflux"]).toBe(1);

    // The same request from someone else is a cache hit: no new PixelLab call.
    const other = await signUpUser();
    const hit = await call(rig.url, "POST", "/v1/jobs", { token: other.idToken, json: body });
    expect(hit.status).toBe(200);
    expect(hit.body).toMatchObject({ status: "completed", cached: true });
    expect(rig.pixellab.stats().calls["POST /v1/generate-image-pixflux"]).toBe(1);
  });

  it("shows the generating stage when PixelLab takes long enough for it to matter", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a slow wizard [fake:latency=2500]", { seed: 5 });
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    const submitted = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    const { jobId } = submitted.body as { jobId: string };
    const watcher = listen(jobId);
    await waitFor(() => watcher.seen.length > 0, { description: "the listener's first snapshot" });
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    await waitFor(() => watcher.seen.at(-1)?.status === "completed", {
      timeoutMs: 30_000,
      description: "the listener to see completion",
    });
    watcher.stop();
    expect([...new Set(watcher.seen.map((s) => s.stage))]).toEqual([
      "queued",
      "dequeued",
      "generating",
      "done",
    ]);
  });

  it("publishes queued, started and completed events with timing", async () => {
    const user = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("an owl", { seed: 1 }),
    });
    const { jobId } = res.body as { jobId: string };
    const types = () => rig.events.filter((m) => m.attributes.jobId === jobId).map((m) => m.attributes.type);
    await waitFor(() => types().includes("job.completed"), {
      timeoutMs: 30_000,
      description: "job.completed",
    });
    expect(types()).toEqual(expect.arrayContaining(["job.queued", "job.started", "job.completed"]));
    const completed = rig.events.find(
      (m) => m.attributes.jobId === jobId && m.attributes.type === "job.completed",
    )!;
    const data = JSON.parse(completed.data.toString());
    expect(data).toMatchObject({
      userId: user.uid,
      operation: "generate-image-pixflux",
      data: { attempt: 1 },
    });
    expect(data.data.durationMs).toBeGreaterThan(0);
  });
});
