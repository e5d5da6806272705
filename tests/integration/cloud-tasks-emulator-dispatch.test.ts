import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecordingTarget, startTestRig, type TestRig } from "../tools/cloud-tasks-emulator/testing.ts";
import { uniqueName } from "../harness/isolation.ts";
import { waitFor } from "../harness/wait-for.ts";

// HTTP-target dispatch through the official client: request shape, production's headers and counts,
// outcome handling, scheduleTime, views and RunTask.
describe("Cloud Tasks emulator: HTTP dispatch", () => {
  let rig: TestRig;
  const location = "projects/demo-cloud-tasks/locations/us-central1";

  beforeAll(async () => {
    rig = await startTestRig({ backoffScale: 0.01 });
  });
  afterAll(async () => {
    await rig.stop();
  });

  async function newQueue(): Promise<string> {
    const name = `${location}/queues/${uniqueName("dispatch")}`;
    await rig.client.createQueue({ parent: location, queue: { name } });
    return name;
  }

  it("sends the method, URL, body, caller headers and production's headers on the first attempt", async () => {
    const target = await startRecordingTarget();
    const queue = await newQueue();
    const [task] = await rig.client.createTask({
      parent: queue,
      task: {
        name: `${queue}/tasks/first-attempt`,
        httpRequest: {
          url: `${target.url}/jobs/run?x=1`,
          httpMethod: "PUT",
          headers: {
            "content-type": "application/json",
            "X-Custom": "kept",
            "X-CloudTasks-TaskName": "spoof",
          },
          body: Buffer.from('{"sprite":1}'),
        },
      },
    });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    // Stored headers keep the caller's casing and gain the User-Agent; Content-Type is never injected.
    expect(task.httpRequest?.headers).toEqual({
      "content-type": "application/json",
      "X-Custom": "kept",
      "X-CloudTasks-TaskName": "spoof",
      "User-Agent": "Google-Cloud-Tasks",
    });
    expect(task.dispatchCount).toBe(0);
    expect(target.received).toHaveLength(1);
    const request = target.received[0];
    expect(request?.method).toBe("PUT");
    expect(request?.url).toBe("/jobs/run?x=1");
    expect(request?.body.toString()).toBe('{"sprite":1}');
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "x-custom": "kept",
      "user-agent": "Google-Cloud-Tasks",
      "x-cloudtasks-queuename": queue.split("/").at(-1),
      "x-cloudtasks-taskname": "first-attempt",
      "x-cloudtasks-taskretrycount": "0",
      "x-cloudtasks-taskexecutioncount": "0",
    });
    expect(request?.headers["x-cloudtasks-tasketa"]).toMatch(/^\d{10}\.\d{6}$/);
    expect(request?.headers).not.toHaveProperty("x-cloudtasks-taskpreviousresponse");
    expect(request?.headers).not.toHaveProperty("x-cloudtasks-taskretryreason");
    expect(request?.rawHeaderNames).toEqual(
      expect.arrayContaining(["User-Agent", "X-CloudTasks-QueueName", "X-CloudTasks-TaskRetryCount"]),
    );
  });

  it("reproduces the recorded header sequence 503, 404, 429, 500, 302, 200 and then deletes the task", async () => {
    const statuses = [503, 404, 429, 500, 302, 200];
    const target = await startRecordingTarget((_request, index) => ({ status: statuses[index] ?? 200 }));
    const queue = await newQueue();
    const name = `${queue}/tasks/recorded-sequence`;
    await rig.client.createTask({ parent: queue, task: { name, httpRequest: { url: target.url } } });
    await rig.emulator.waitUntilIdle(queue, 20_000);
    await target.stop();

    const header = (key: string): (string | undefined)[] =>
      target.received.map((r) => r.headers[key] as string | undefined);
    expect(header("x-cloudtasks-taskretrycount")).toEqual(["0", "1", "2", "3", "4", "5"]);
    // 5xx answers do not count as executions; 4xx and 3xx do.
    expect(header("x-cloudtasks-taskexecutioncount")).toEqual(["0", "0", "1", "2", "2", "3"]);
    expect(header("x-cloudtasks-taskpreviousresponse")).toEqual([
      undefined,
      "503",
      "404",
      "429",
      "500",
      "302",
    ]);
    expect(header("x-cloudtasks-taskretryreason")).toEqual([undefined, "", "", "", "", ""]);
    const etas = header("x-cloudtasks-tasketa").map(Number);
    for (let i = 1; i < etas.length; i++) expect(etas[i]).toBeGreaterThan(etas[i - 1] ?? 0);

    const error = await rig.client.getTask({ name }).catch((e: { code: number; details: string }) => e);
    expect(error).toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining("no longer exists"),
    });
    const lines = rig.logLines.filter((line) => line.task === name);
    expect(lines.map((l) => [l.status, l.retryCount, l.executionCount, l.verdict])).toEqual([
      [503, 0, 0, "retry"],
      [404, 1, 0, "retry"],
      [429, 2, 1, "retry"],
      [500, 3, 2, "retry"],
      [302, 4, 2, "retry"],
      [200, 5, 3, "succeeded"],
    ]);
    expect(lines.slice(0, 5).every((l) => typeof l.nextEta === "string")).toBe(true);
    expect(lines[5]?.nextEta).toBeNull();
  });

  it("holds a task until its future scheduleTime and reports that time as the ETA", async () => {
    const target = await startRecordingTarget();
    const queue = await newQueue();
    const scheduledMs = Date.now() + 1_500;
    const [created] = await rig.client.createTask({
      parent: queue,
      task: {
        httpRequest: { url: target.url },
        scheduleTime: { seconds: Math.floor(scheduledMs / 1000), nanos: (scheduledMs % 1000) * 1e6 },
      },
    });
    const [waiting] = await rig.client.listTasks({ parent: queue });
    expect(waiting.map((t) => t.name)).toEqual([created.name]);
    const request = await waitFor(() => target.received[0], {
      timeoutMs: 10_000,
      description: "the scheduled attempt",
    });
    await target.stop();

    // Same clock on both sides; 5 ms allows for timer rounding.
    expect(request.receivedAtMs).toBeGreaterThanOrEqual(scheduledMs - 5);
    expect(Number(request.headers["x-cloudtasks-tasketa"]) * 1000).toBeCloseTo(scheduledMs, 0);
    expect(created.name).toMatch(new RegExp(`^${queue}/tasks/\\d{19,20}$`));
  });

  it("returns bodies in the FULL view only and headers in both", async () => {
    const queue = await newQueue();
    await rig.client.pauseQueue({ name: queue });
    const httpRequest = {
      url: "http://127.0.0.1:9/never",
      headers: { "X-Kind": "sprite" },
      body: Buffer.from("payload"),
    };
    const [full] = await rig.client.createTask({
      parent: queue,
      task: { httpRequest },
      responseView: "FULL",
    });
    const [basic] = await rig.client.getTask({ name: full.name });
    const [listed] = await rig.client.listTasks({ parent: queue, responseView: "FULL" });

    expect(full.view).toBe("FULL");
    expect(Buffer.from(full.httpRequest?.body ?? []).toString()).toBe("payload");
    expect(basic.view).toBe("BASIC");
    expect(Buffer.from(basic.httpRequest?.body ?? []).length).toBe(0);
    expect(basic.httpRequest?.headers).toMatchObject({ "X-Kind": "sprite" });
    expect(Buffer.from(listed[0]?.httpRequest?.body ?? []).toString()).toBe("payload");
  });

  it("RunTask dispatches at once on a paused queue and returns the task as dispatched", async () => {
    const statuses = [500, 200];
    const target = await startRecordingTarget((_request, index) => ({ status: statuses[index] ?? 200 }));
    const queue = await newQueue();
    await rig.client.pauseQueue({ name: queue });
    const [task] = await rig.client.createTask({ parent: queue, task: { httpRequest: { url: target.url } } });

    const [running] = await rig.client.runTask({ name: task.name });
    expect(running.dispatchCount).toBe(1);
    expect(running.lastAttempt?.dispatchTime).toBeTruthy();
    expect(running.lastAttempt?.responseTime).toBeFalsy();
    const [failed] = await waitFor(
      async () => {
        const [t] = await rig.client.getTask({ name: task.name });
        return t.responseCount === 1 && [t];
      },
      { description: "the RunTask attempt to be answered" },
    );
    // Paused: the failed attempt is rescheduled but not retried by the queue.
    expect(failed.lastAttempt?.responseStatus).toMatchObject({
      code: status.INTERNAL,
      message: "HTTP status code 500",
    });
    expect(target.received).toHaveLength(1);

    await rig.client.runTask({ name: task.name });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();
    expect(target.received.map((r) => r.headers["x-cloudtasks-taskretrycount"])).toEqual(["0", "1"]);
    const gone = await rig.client.runTask({ name: task.name }).catch((e: { code: number }) => e);
    expect(gone).toMatchObject({ code: status.NOT_FOUND });
  });

  it("sends an opaque bearer token for oauth_token, replacing the caller's Authorization", async () => {
    const target = await startRecordingTarget();
    const queue = await newQueue();
    await rig.client.createTask({
      parent: queue,
      task: {
        httpRequest: {
          url: target.url,
          headers: { Authorization: "Basic caller" },
          oauthToken: { serviceAccountEmail: "tasks@demo-cloud-tasks.iam.gserviceaccount.com" },
        },
      },
    });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();
    expect(target.received[0]?.headers.authorization).toMatch(/^Bearer emulator-oauth-/);
  });
});
