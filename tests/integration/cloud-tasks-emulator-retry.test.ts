import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from "../tools/cloud-tasks-emulator/retry-schedule.ts";
import { startRecordingTarget, startTestRig, type TestRig } from "../tools/cloud-tasks-emulator/testing.ts";
import { freePort } from "../harness/free-port.ts";
import { uniqueName } from "../harness/isolation.ts";
import { waitFor } from "../harness/wait-for.ts";

const SCALE = 0.01;
// Timing checks are about semantics, not speed: each gap between attempts must fall within ±40% + 50 ms
// of the formula's (scaled) delay, which absorbs timer, scheduling and loopback HTTP latency.
const withinTolerance = (actualMs: number, expectedMs: number): boolean =>
  actualMs >= expectedMs * 0.6 - 50 && actualMs <= expectedMs * 1.4 + 50;

describe("Cloud Tasks emulator: retries", () => {
  let rig: TestRig;
  const location = "projects/demo-cloud-tasks/locations/us-central1";

  beforeAll(async () => {
    rig = await startTestRig({ backoffScale: SCALE, dispatchDeadlineCapMs: 300 });
  });
  afterAll(async () => {
    await rig.stop();
  });

  async function newQueue(retryConfig: Record<string, unknown>): Promise<string> {
    const name = `${location}/queues/${uniqueName("retry")}`;
    await rig.client.createQueue({ parent: location, queue: { name, retryConfig } });
    return name;
  }

  it("spaces retries by the backoff formula and stops at max_attempts, keeping the name reserved", async () => {
    // min 10 s, max 70 s, one doubling: 10, 20, then linear 40, 60, then clamped 70 (scaled to ms / 100).
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      minBackoffMs: 10_000,
      maxBackoffMs: 70_000,
      maxDoublings: 1,
      maxAttempts: 6,
    };
    const queue = await newQueue({
      maxAttempts: 6,
      minBackoff: { seconds: 10 },
      maxBackoff: { seconds: 70 },
      maxDoublings: 1,
    });
    const target = await startRecordingTarget(() => ({ status: 500 }));
    const name = `${queue}/tasks/always-fails`;
    await rig.client.createTask({ parent: queue, task: { name, httpRequest: { url: target.url } } });
    await rig.emulator.waitUntilIdle(queue, 20_000);
    await target.stop();

    expect(target.received).toHaveLength(6);
    const gaps = target.received
      .slice(1)
      .map((r, i) => r.receivedAtMs - (target.received[i]?.receivedAtMs ?? 0));
    const expected = [1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy) * SCALE);
    expect(expected).toEqual([100, 200, 400, 600, 700]);
    gaps.forEach((gap, i) =>
      expect({ retry: i + 1, gap, ok: withinTolerance(gap, expected[i] ?? 0) }).toMatchObject({ ok: true }),
    );
    expect(rig.logLines.filter((l) => l.task === name).at(-1)?.verdict).toBe("failed-permanently");

    const getError = await rig.client.getTask({ name }).catch((e: { code: number; details: string }) => e);
    expect(getError).toMatchObject({
      code: status.NOT_FOUND,
      details:
        "The task no longer exists, though a task with this name existed recently. The task either successfully completed or was deleted.",
    });
    const reuse = await rig.client
      .createTask({ parent: queue, task: { name, httpRequest: { url: target.url } } })
      .catch((e: { code: number; details: string }) => e);
    expect(reuse).toMatchObject({ code: status.ALREADY_EXISTS, details: "Requested entity already exists" });
  });

  it("never retries a 429/503 sooner than its Retry-After asks; other statuses ignore it", async () => {
    const replies = [
      { status: 503, headers: { "Retry-After": "1" } },
      { status: 500, headers: { "Retry-After": "1" } },
      { status: 200 },
    ];
    const target = await startRecordingTarget((_r, i) => replies[i] ?? { status: 200 });
    const queue = await newQueue({ minBackoff: { seconds: 1 } });
    await rig.client.createTask({ parent: queue, task: { httpRequest: { url: target.url } } });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    const [first, second, third] = target.received.map((r) => r.receivedAtMs);
    expect(target.received).toHaveLength(3);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(1_000);
    // After the 500 the scaled backoff (2 × 1 s × 0.01 = 20 ms) applies, far below the 1 s asked for.
    expect((third ?? 0) - (second ?? 0)).toBeLessThan(1_000);
  });

  it("treats no answer within the dispatch deadline as a failed attempt reported as 504", async () => {
    const target = await startRecordingTarget((_r, i) => (i === 0 ? { hang: true } : { status: 200 }));
    const queue = await newQueue({});
    const name = `${queue}/tasks/slow-handler`;
    await rig.client.createTask({ parent: queue, task: { name, httpRequest: { url: target.url } } });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    expect(target.received).toHaveLength(2);
    expect(target.received[1]?.headers).toMatchObject({
      "x-cloudtasks-taskretrycount": "1",
      "x-cloudtasks-taskexecutioncount": "0",
      "x-cloudtasks-taskpreviousresponse": "504",
    });
    // The emulator caps every deadline at 300 ms here; the second attempt cannot start before it passed.
    expect(
      (target.received[1]?.receivedAtMs ?? 0) - (target.received[0]?.receivedAtMs ?? 0),
    ).toBeGreaterThanOrEqual(290);
    expect(rig.logLines.filter((l) => l.task === name).map((l) => l.status)).toEqual(["timeout", 200]);
  });

  it("retries after a connection error and omits the previous-response headers", async () => {
    const port = await freePort();
    const queue = await newQueue({ minBackoff: { seconds: 50 } });
    const name = `${queue}/tasks/unreachable-first`;
    await rig.client.createTask({
      parent: queue,
      task: { name, httpRequest: { url: `http://127.0.0.1:${port}/` } },
    });
    await waitFor(() => rig.logLines.some((l) => l.task === name && l.status === "connection-error"), {
      description: "the refused first attempt",
    });
    const target = await startRecordingTarget(() => ({ status: 200 }), port);
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    expect(target.received).toHaveLength(1);
    expect(target.received[0]?.headers).toMatchObject({
      "x-cloudtasks-taskretrycount": "1",
      "x-cloudtasks-taskexecutioncount": "0",
    });
    expect(target.received[0]?.headers).not.toHaveProperty("x-cloudtasks-taskpreviousresponse");
    expect(target.received[0]?.headers).not.toHaveProperty("x-cloudtasks-taskretryreason");
  });

  it("with unlimited attempts stops once max_retry_duration has passed", async () => {
    // Constant 10 s backoff (100 ms scaled) and a 60 s window (600 ms scaled).
    const queue = await newQueue({
      maxAttempts: -1,
      maxRetryDuration: { seconds: 60 },
      minBackoff: { seconds: 10 },
      maxBackoff: { seconds: 10 },
    });
    const target = await startRecordingTarget(() => ({ status: 500 }));
    await rig.client.createTask({ parent: queue, task: { httpRequest: { url: target.url } } });
    await rig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();

    const first = target.received[0]?.receivedAtMs ?? 0;
    const last = target.received.at(-1)?.receivedAtMs ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(600 - 100);
    expect(target.received.length).toBeGreaterThanOrEqual(4);
    expect(target.received.length).toBeLessThanOrEqual(9);
  });

  it("frees a finished task's name once the configured tombstone window has passed", async () => {
    const shortRig = await startTestRig({ tombstoneMs: 300 });
    try {
      const target = await startRecordingTarget();
      const queue = `${location}/queues/${uniqueName("tombstone")}`;
      await shortRig.client.createQueue({ parent: location, queue: { name: queue } });
      const task = { name: `${queue}/tasks/reused`, httpRequest: { url: target.url } };
      await shortRig.client.createTask({ parent: queue, task });
      await shortRig.emulator.waitUntilIdle(queue, 10_000);
      const early = await shortRig.client
        .createTask({ parent: queue, task })
        .catch((e: { code: number }) => e);
      expect(early).toMatchObject({ code: status.ALREADY_EXISTS });
      const [again] = await waitFor(() => shortRig.client.createTask({ parent: queue, task }), {
        description: "the name to be free again",
      });
      await shortRig.emulator.waitUntilIdle(queue, 10_000);
      await target.stop();
      expect(again.name).toBe(task.name);
      expect(target.received).toHaveLength(2);
    } finally {
      await shortRig.stop();
    }
  });
});
