import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudTasksScheduler, createTasksClient } from "../../shared/ports/task-scheduler.ts";
import { signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, type QueueRig } from "../harness/queue-rig.ts";

/** The submission's bound on CreateTask, in ms (ENQUEUE_TIMEOUT_MS; production default 3000). */
const ENQUEUE_TIMEOUT_MS = 500;
/**
 * What "promptly" means here: well under the client library's own 20 s CreateTask timeout, with
 * room for the admission's Firestore writes and its undo on a loaded 2-core machine.
 */
const ANSWER_WITHIN_MS = 8_000;

describe("POST /v1/jobs while Cloud Tasks stalls", () => {
  let rig: QueueRig;

  beforeAll(async () => {
    rig = await startQueueRig({ env: { ENQUEUE_TIMEOUT_MS: String(ENQUEUE_TIMEOUT_MS) } });
  });
  afterAll(async () => {
    rig.tasksEmulator.releaseRpcs();
    await rig.close();
  });

  it("answers 503 with Retry-After within the enqueue bound, leaves nothing behind, and a late task creates nothing", async () => {
    const user = await signUpUser();
    const db = rig.runtime.firestore;
    const leftFor = async (uid: string) => ({
      jobs: (await db.collection("jobs").where("userId", "==", uid).get()).size,
      userSlots: (await db.collection("userSlots").where("userId", "==", uid).get()).size,
      dedupClaims: (await db.collection("dedupClaims").where("userId", "==", uid).get()).size,
    });
    // Paused, so the task the stalled CreateTask commits later stays put until the test lets it run.
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    rig.tasksEmulator.holdRpcs(["createTask"]);

    const started = performance.now();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("a knight, while Cloud Tasks stalls"),
    });
    const tookMs = performance.now() - started;

    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body).toMatchObject({ type: "/problems/unavailable", status: 503 });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(tookMs).toBeGreaterThanOrEqual(ENQUEUE_TIMEOUT_MS);
    expect(tookMs).toBeLessThan(ANSWER_WITHIN_MS);
    // The CreateTask really reached the stalled service and is still unanswered there.
    expect(rig.tasksEmulator.heldRpcCount()).toBe(1);
    expect(await leftFor(user.uid)).toEqual({ jobs: 0, userSlots: 0, dedupClaims: 0 });

    // The service wakes up and commits the request its caller gave up on: the task exists after all.
    expect(rig.tasksEmulator.releaseRpcs()).toBe(1);
    const [late] = await rig.listTasks();
    const jobId = /\/tasks\/job-(.+)-a1$/.exec(late?.name ?? "")?.[1];
    expect(jobId).toBeDefined();

    // Delivered to the real handler for a job that no longer exists: it must not bring it back.
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    // Idle means answered 2xx: a refused delivery would stay queued for its retry.
    await rig.tasksEmulator.waitUntilIdle(rig.queueName, 15_000);
    expect(rig.pixellab.stats().calls).toEqual({});
    expect(
      (
        await db
          .collection("jobs")
          .doc(jobId as string)
          .get()
      ).exists,
    ).toBe(false);
    expect(await leftFor(user.uid)).toEqual({ jobs: 0, userSlots: 0, dedupClaims: 0 });
  });

  it("bounds the task lookups and deletes (sweeper, cancel) and the health probe by the same setting", async () => {
    const client = createTasksClient(rig.config);
    const tasks = cloudTasksScheduler(client, rig.config);
    rig.tasksEmulator.holdRpcs(["getTask", "deleteTask", "getQueue"]);
    try {
      const started = performance.now();
      const stillWaiting = new Promise<string>((resolve) =>
        setTimeout(() => resolve("still waiting"), ANSWER_WITHIN_MS).unref(),
      );
      const outcome = (call: Promise<unknown>) =>
        Promise.race([
          call.then(
            () => "answered",
            (error: unknown) => `code ${(error as { code?: number }).code}`,
          ),
          stillWaiting,
        ]);
      const results = await Promise.all([
        outcome(tasks.exists("stalled-job", 1, 0, "interactive")),
        outcome(tasks.remove("stalled-job", 1, 0, "interactive")),
        outcome(tasks.probe()),
      ]);
      // DEADLINE_EXCEEDED (4) from each, once the bound has passed.
      expect(results).toEqual(["code 4", "code 4", "code 4"]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(ENQUEUE_TIMEOUT_MS);
    } finally {
      rig.tasksEmulator.releaseRpcs();
      await client.close();
    }
  });
});
