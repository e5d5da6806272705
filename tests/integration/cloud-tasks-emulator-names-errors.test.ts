import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRig, type TestRig } from "../tools/cloud-tasks-emulator/testing.ts";
import { uniqueName } from "../harness/isolation.ts";

interface RpcFailure {
  code: number;
  details: string;
}
const failure = async (call: Promise<unknown>): Promise<RpcFailure | "succeeded"> =>
  call.then(
    () => "succeeded" as const,
    (e: RpcFailure) => ({ code: e.code, details: e.details }),
  );

const QUEUE_MISSING =
  "Queue does not exist. If you just created the queue, wait at least a minute for the queue to initialize.";

// Names, dedup, validation errors, paging and the queue RPCs, as the official client sees them.
describe("Cloud Tasks emulator: names, errors and queue RPCs", () => {
  let rig: TestRig;
  const location = "projects/demo-cloud-tasks/locations/us-central1";
  const url = "http://127.0.0.1:9/unused";

  beforeAll(async () => {
    rig = await startTestRig({ queueReuseBlockMs: 60_000 });
  });
  afterAll(async () => {
    await rig.stop();
  });

  /** A paused queue, so tasks stay put while the test inspects them. */
  async function pausedQueue(parent = location): Promise<string> {
    const name = `${parent}/queues/${uniqueName("names")}`;
    await rig.client.createQueue({ parent, queue: { name } });
    await rig.client.pauseQueue({ name });
    return name;
  }

  it("creates a queue with production's defaults", async () => {
    const name = `${location}/queues/${uniqueName("defaults")}`;
    const [queue] = await rig.client.createQueue({ parent: location, queue: { name } });
    expect(queue).toMatchObject({
      name,
      state: "RUNNING",
      rateLimits: { maxDispatchesPerSecond: 500, maxBurstSize: 100, maxConcurrentDispatches: 1000 },
      retryConfig: {
        maxAttempts: 100,
        minBackoff: { seconds: "0", nanos: 100_000_000 },
        maxBackoff: { seconds: "3600", nanos: 0 },
        maxDoublings: 16,
      },
    });
  });

  it("answers the recorded errors for queues", async () => {
    const queue = await pausedQueue();
    const missing = `${location}/queues/${uniqueName("missing")}`;
    const cases = [
      {
        name: "duplicate queue",
        call: rig.client.createQueue({ parent: location, queue: { name: queue } }),
        code: status.ALREADY_EXISTS,
        details: "Queue already exists",
      },
      {
        name: "missing queue",
        call: rig.client.getQueue({ name: missing }),
        code: status.NOT_FOUND,
        details: QUEUE_MISSING,
      },
      {
        name: "task into missing queue",
        call: rig.client.createTask({ parent: missing, task: { httpRequest: { url } } }),
        code: status.NOT_FOUND,
        details: QUEUE_MISSING,
      },
      {
        name: "delete missing queue",
        call: rig.client.deleteQueue({ name: missing }),
        code: status.NOT_FOUND,
        details: "Requested entity was not found.",
      },
      {
        name: "bad queue name",
        call: rig.client.getQueue({ name: `${location}/queues/bad_name!` }),
        code: status.INVALID_ARGUMENT,
        details:
          'Queue name must be formatted: "projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>".',
      },
    ];
    for (const c of cases)
      expect({ name: c.name, result: await failure(c.call) }).toEqual({
        name: c.name,
        result: { code: c.code, details: c.details },
      });
  });

  it("blocks re-creating a deleted queue's name", async () => {
    const queue = await pausedQueue();
    await rig.client.deleteQueue({ name: queue });
    expect(await failure(rig.client.getQueue({ name: queue }))).toEqual({
      code: status.NOT_FOUND,
      details: QUEUE_MISSING,
    });
    expect(await failure(rig.client.createQueue({ parent: location, queue: { name: queue } }))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: "The queue cannot be created because a queue with this name existed too recently.",
    });
  });

  it("dedups explicit task ids and validates names", async () => {
    const queue = await pausedQueue();
    const other = await pausedQueue();
    const name = `${queue}/tasks/job-42_attempt-1`;
    await rig.client.createTask({ parent: queue, task: { name, httpRequest: { url } } });
    const cases = [
      {
        name: "live duplicate",
        task: { name },
        code: status.ALREADY_EXISTS,
        details: "Requested entity already exists",
      },
      {
        name: "bad task id",
        task: { name: `${queue}/tasks/has space` },
        code: status.INVALID_ARGUMENT,
        details:
          'Task ID "has space" can contain only letters ([A-Za-z]), numbers ([0-9]), hyphens (-), or underscores (_). Task ID must between 1 and 500 characters.',
      },
      {
        name: "name in another queue",
        task: { name: `${other}/tasks/x` },
        code: status.INVALID_ARGUMENT,
        details: `The queue name from request ('${queue}') must be the same as the queue name in the named task ('${other}').`,
      },
    ];
    for (const c of cases) {
      const result = await failure(
        rig.client.createTask({ parent: queue, task: { ...c.task, httpRequest: { url } } }),
      );
      expect({ name: c.name, result }).toEqual({
        name: c.name,
        result: { code: c.code, details: c.details },
      });
    }
    const missingTask = await failure(rig.client.getTask({ name: `${queue}/tasks/never-created` }));
    expect(missingTask).toEqual({ code: status.NOT_FOUND, details: "Requested entity was not found." });
  });

  it("rejects invalid tasks with INVALID_ARGUMENT", async () => {
    const queue = await pausedQueue();
    const farFuture = Math.floor(Date.now() / 1000) + 31 * 24 * 3600;
    const cases = [
      { name: "no payload", task: {}, details: "Task.payload_type is not set." },
      { name: "deadline below 15 s", task: { httpRequest: { url }, dispatchDeadline: { seconds: 14 } } },
      { name: "deadline above 30 min", task: { httpRequest: { url }, dispatchDeadline: { seconds: 1801 } } },
      { name: "body over 1 MiB", task: { httpRequest: { url, body: Buffer.alloc(1024 * 1024 + 1) } } },
      {
        name: "body on GET",
        task: { httpRequest: { url, httpMethod: "GET" as const, body: Buffer.from("x") } },
      },
      {
        name: "schedule over 30 days ahead",
        task: { httpRequest: { url }, scheduleTime: { seconds: farFuture } },
      },
      { name: "not an http(s) URL", task: { httpRequest: { url: "ftp://127.0.0.1/x" } } },
    ];
    for (const c of cases) {
      const result = await failure(rig.client.createTask({ parent: queue, task: c.task }));
      expect({ name: c.name, code: result === "succeeded" ? result : result.code }).toEqual({
        name: c.name,
        code: status.INVALID_ARGUMENT,
      });
      if (c.details !== undefined && result !== "succeeded") expect(result.details).toBe(c.details);
    }
    const [edge] = await rig.client.createTask({
      parent: queue,
      task: {
        httpRequest: { url, body: Buffer.alloc(1024 * 1024 - url.length) },
        dispatchDeadline: { seconds: 15 },
      },
    });
    expect(edge.dispatchDeadline).toMatchObject({ seconds: "15" });
  });

  it("pages queues and tasks and ends with an empty token", async () => {
    const parent = `projects/demo-cloud-tasks/locations/${uniqueName("paging")}`;
    const queues = [];
    for (let i = 0; i < 5; i++) queues.push(await pausedQueue(parent));
    const [firstPage, nextRequest, raw] = await rig.client.listQueues(
      { parent, pageSize: 2 },
      { autoPaginate: false },
    );
    expect(firstPage).toHaveLength(2);
    expect(nextRequest?.pageToken).toBeTruthy();
    expect(raw?.nextPageToken).toBe(nextRequest?.pageToken);
    // The async iterator follows next_page_token until it comes back empty.
    const all = [];
    for await (const q of rig.client.listQueuesAsync({ parent, pageSize: 2 })) all.push(q);
    expect(all.map((q) => q.name)).toEqual([...queues].sort());

    const queue = queues[0] ?? "";
    for (let i = 0; i < 5; i++)
      await rig.client.createTask({ parent: queue, task: { httpRequest: { url } } });
    const pages: number[] = [];
    let pageToken = "";
    do {
      const [tasks, , response] = await rig.client.listTasks(
        { parent: queue, pageSize: 2, pageToken },
        { autoPaginate: false },
      );
      pages.push(tasks.length);
      pageToken = response?.nextPageToken ?? "";
    } while (pageToken !== "");
    expect(pages).toEqual([2, 2, 1]);
  });

  it("updates a queue by mask, upserts a missing one and validates limits", async () => {
    const queue = await pausedQueue();
    const [updated] = await rig.client.updateQueue({
      queue: { name: queue, rateLimits: { maxConcurrentDispatches: 7 }, retryConfig: { maxAttempts: 3 } },
      updateMask: { paths: ["rate_limits.max_concurrent_dispatches"] },
    });
    expect(updated.rateLimits).toMatchObject({ maxConcurrentDispatches: 7, maxDispatchesPerSecond: 500 });
    expect(updated.retryConfig?.maxAttempts).toBe(100);
    expect(updated.state).toBe("PAUSED");

    const upserted = `${location}/queues/${uniqueName("upsert")}`;
    const [created] = await rig.client.updateQueue({
      queue: { name: upserted, rateLimits: { maxDispatchesPerSecond: 1 } },
    });
    expect(created.rateLimits).toMatchObject({ maxDispatchesPerSecond: 1, maxBurstSize: 1 });

    const tooFast = await failure(
      rig.client.updateQueue({ queue: { name: queue, rateLimits: { maxDispatchesPerSecond: 501 } } }),
    );
    expect(tooFast).toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it("stores IAM policies without enforcing them and serves Locations", async () => {
    const queue = await pausedQueue();
    const bindings = [
      {
        role: "roles/cloudtasks.enqueuer",
        members: ["serviceAccount:api@demo-cloud-tasks.iam.gserviceaccount.com"],
      },
    ];
    await rig.client.setIamPolicy({ resource: queue, policy: { bindings } });
    const [policy] = await rig.client.getIamPolicy({ resource: queue });
    const [allowed] = await rig.client.testIamPermissions({
      resource: queue,
      permissions: ["cloudtasks.tasks.create"],
    });
    // The client's typings say getLocation resolves to the Location, but like every gax call it resolves
    // to [response, ...] at runtime (its own docs use `const [response] = ...`).
    const located: unknown = await rig.client.getLocation({ name: location });
    const location1 = Array.isArray(located) ? (located[0] as unknown) : located;
    const locations = [];
    for await (const l of rig.client.listLocationsAsync({ name: "projects/demo-cloud-tasks" }))
      locations.push(l);

    expect(policy.bindings).toEqual(bindings.map((b) => expect.objectContaining(b)));
    expect(allowed.permissions).toEqual(["cloudtasks.tasks.create"]);
    expect(location1).toMatchObject({ name: location, locationId: "us-central1" });
    expect(locations.map((l) => l.locationId)).toContain("us-central1");
  });
});
