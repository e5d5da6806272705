import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecordingTarget, startTestRig, type TestRig } from "../tools/cloud-tasks-emulator/testing.ts";
import { uniqueName } from "../harness/isolation.ts";
import { waitFor } from "../harness/wait-for.ts";

// Rate limits, PAUSED, purge and deletes, observed at a local handler.
describe("Cloud Tasks emulator: limits and queue control", () => {
  let rig: TestRig;
  const location = "projects/demo-cloud-tasks/locations/us-central1";

  beforeAll(async () => {
    rig = await startTestRig({ backoffScale: 0.01 });
  });
  afterAll(async () => {
    await rig.stop();
  });

  async function newQueue(rateLimits: Record<string, unknown> = {}): Promise<string> {
    const name = `${location}/queues/${uniqueName("limits")}`;
    await rig.client.createQueue({ parent: location, queue: { name, rateLimits } });
    return name;
  }

  const createTasks = (queue: string, url: string, count: number): Promise<unknown> =>
    Promise.all(
      Array.from({ length: count }, () =>
        rig.client.createTask({ parent: queue, task: { httpRequest: { url } } }),
      ),
    );

  it("never exceeds max_concurrent_dispatches under a burst", async () => {
    const target = await startRecordingTarget(() => ({ status: 200, delayMs: 40 }));
    const queue = await newQueue({ maxConcurrentDispatches: 3 });
    await createTasks(queue, target.url, 20);
    await rig.emulator.waitUntilIdle(queue, 20_000);
    await target.stop();

    expect(target.received).toHaveLength(20);
    expect(target.maxInFlight).toBe(3);
  });

  it("paces dispatches with the max_dispatches_per_second token bucket", async () => {
    const target = await startRecordingTarget();
    const queue = await newQueue({ maxDispatchesPerSecond: 10 });
    const [described] = await rig.client.getQueue({ name: queue });
    expect(described.rateLimits).toMatchObject({ maxDispatchesPerSecond: 10, maxBurstSize: 2 });
    await createTasks(queue, target.url, 8);
    await rig.emulator.waitUntilIdle(queue, 20_000);
    await target.stop();

    // A full bucket of 2 goes at once, then one token every 100 ms: 6 × 100 ms = 600 ms, −100 ms tolerance.
    const times = target.received.map((r) => r.receivedAtMs).sort((a, b) => a - b);
    expect(times).toHaveLength(8);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(500);
  });

  it("accepts tasks while PAUSED, dispatches none until resumed", async () => {
    const target = await startRecordingTarget();
    const paused = await newQueue();
    const sentinel = await newQueue();
    await rig.client.pauseQueue({ name: paused });
    const [pausedTask] = await rig.client.createTask({
      parent: paused,
      task: { httpRequest: { url: `${target.url}/paused` } },
    });
    await rig.client.createTask({
      parent: sentinel,
      task: { httpRequest: { url: `${target.url}/sentinel` } },
    });
    // Once the sentinel (due at the same time on a running queue) arrived, the paused task had its chance.
    await waitFor(() => target.received.some((r) => r.url === "/sentinel"), { description: "the sentinel" });
    expect(target.received.map((r) => r.url)).toEqual(["/sentinel"]);
    const [listed] = await rig.client.listQueues({ parent: location, filter: "state: PAUSED" });
    expect(listed.map((q) => q.name)).toContain(paused);
    expect(listed.map((q) => q.name)).not.toContain(sentinel);

    const [resumed] = await rig.client.resumeQueue({ name: paused });
    expect(resumed.state).toBe("RUNNING");
    await rig.emulator.waitUntilIdle(paused, 10_000);
    await target.stop();
    expect(target.received.map((r) => r.url).sort()).toEqual(["/paused", "/sentinel"]);
    expect(target.received.find((r) => r.url === "/paused")?.headers["x-cloudtasks-taskname"]).toBe(
      pausedTask.name?.split("/").at(-1),
    );
  });

  it("purges every task, sets purge_time and keeps the purged names reserved", async () => {
    const target = await startRecordingTarget();
    const queue = await newQueue();
    await rig.client.pauseQueue({ name: queue });
    const names = ["a", "b", "c"].map((id) => `${queue}/tasks/${id}`);
    for (const name of names)
      await rig.client.createTask({ parent: queue, task: { name, httpRequest: { url: target.url } } });
    const [purged] = await rig.client.purgeQueue({ name: queue });
    const [remaining] = await rig.client.listTasks({ parent: queue });
    await rig.client.resumeQueue({ name: queue });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    const reuse = await rig.client
      .createTask({ parent: queue, task: { name: names[0], httpRequest: { url: target.url } } })
      .catch((e: { code: number }) => e);
    await target.stop();

    expect(purged.purgeTime?.seconds).toBeTruthy();
    expect(remaining).toEqual([]);
    expect(target.received).toEqual([]);
    expect(reuse).toMatchObject({ code: status.ALREADY_EXISTS });
  });

  it("deletes a scheduled task before it runs", async () => {
    const target = await startRecordingTarget();
    const queue = await newQueue();
    const atMs = Date.now() + 400;
    const scheduleTime = { seconds: Math.floor(atMs / 1000), nanos: (atMs % 1000) * 1e6 };
    const [doomed] = await rig.client.createTask({
      parent: queue,
      task: { httpRequest: { url: `${target.url}/doomed` }, scheduleTime },
    });
    await rig.client.createTask({
      parent: queue,
      task: { httpRequest: { url: `${target.url}/kept` }, scheduleTime },
    });
    await rig.client.deleteTask({ name: doomed.name });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    expect(target.received.map((r) => r.url)).toEqual(["/kept"]);
    const again = await rig.client
      .deleteTask({ name: doomed.name })
      .catch((e: { code: number; details: string }) => e);
    expect(again).toMatchObject({ code: status.NOT_FOUND, details: "Requested entity was not found." });
  });

  it("does not reschedule a task deleted while its attempt is in flight", async () => {
    const target = await startRecordingTarget(() => ({ status: 500, delayMs: 200 }));
    const queue = await newQueue();
    const [task] = await rig.client.createTask({ parent: queue, task: { httpRequest: { url: target.url } } });
    await waitFor(() => target.inFlight === 1, { description: "the attempt to reach the handler" });
    await rig.client.deleteTask({ name: task.name });
    await waitFor(() => rig.logLines.some((l) => l.task === task.name), {
      description: "the attempt to finish",
    });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    expect(target.received).toHaveLength(1);
    expect(rig.logLines.filter((l) => l.task === task.name).map((l) => [l.status, l.verdict])).toEqual([
      [500, "discarded"],
    ]);
  });

  it("serves the admin port: wait-idle, reset to the start queues, and hard reset on purge", async () => {
    const startQueue = `${location}/queues/${uniqueName("start")}`;
    const admin = await startTestRig({ queues: [startQueue], hardResetOnPurge: true });
    try {
      const base = admin.emulator.httpBaseUrl;
      const task = { name: `${startQueue}/tasks/held`, httpRequest: { url: "http://127.0.0.1:9/" } };
      await admin.client.pauseQueue({ name: startQueue });
      await admin.client.createTask({ parent: startQueue, task });
      const busy = await fetch(`${base}/wait-idle?queue=${encodeURIComponent(startQueue)}&timeoutMs=50`, {
        method: "POST",
      });
      expect(busy.status).toBe(408);

      // Hard reset on purge frees the purged names at once.
      await admin.client.purgeQueue({ name: startQueue });
      const [reused] = await admin.client.createTask({ parent: startQueue, task });
      expect(reused.name).toBe(task.name);

      expect((await fetch(`${base}/reset`, { method: "POST" })).status).toBe(204);
      const [queue] = await admin.client.getQueue({ name: startQueue });
      const [tasks] = await admin.client.listTasks({ parent: startQueue });
      const idle = await fetch(`${base}/wait-idle?queue=${encodeURIComponent(startQueue)}&timeoutMs=1000`, {
        method: "POST",
      });
      expect(queue.state).toBe("RUNNING");
      expect(tasks).toEqual([]);
      expect(await idle.json()).toEqual({ idle: true });
      expect(await (await fetch(`${base}/`)).text()).toBe("Ok");
    } finally {
      await admin.stop();
    }
  });
});
