import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Firestore } from "@google-cloud/firestore";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSweepHandler } from "../../functions/sweep.ts";
import { dispatchDeadlineMs } from "../../shared/deadlines.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { sweep, type SweepReport } from "../../shared/sweeper/sweep.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { call } from "../harness/http-client.ts";
import { uniqueName } from "../harness/isolation.ts";
import { attemptError, seedJob, seedSlot, testJob } from "../harness/seed-jobs.ts";
import { waitFor } from "../harness/wait-for.ts";

const MINUTE = 60_000;
const NOTHING: Omit<SweepReport, "durationMs"> = {
  expiredLeases: 0,
  requeued: 0,
  failed: 0,
  cancelled: 0,
  reenqueued: 0,
  slotsRepaired: 0,
  webhooksRescued: 0,
  errors: 0,
  failedPasses: [],
};

/** A job whose handler took it for attempt `attempts` at `takenAt` and whose lease ended at `expiredAt`. */
function processingJob(takenAt: number, expiredAt: number, overrides: Partial<Job> = {}): Job {
  return testJob({
    status: "processing",
    attempts: 1,
    leaseId: "a-lost-handler",
    leaseExpiresAt: expiredAt,
    startedAt: takenAt,
    createdAt: takenAt - 1000,
    updatedAt: takenAt,
    progress: { percent: 10, stage: "dequeued" },
    ...overrides,
  });
}

describe("the sweeper", () => {
  let rig: ApiRig;
  let firestore: Firestore;
  const jobDoc = (id: string) => firestore.collection("jobs").doc(id);
  const slotDoc = (job: Job, k: number) => firestore.collection("userSlots").doc(`${job.userId}_${k}`);
  const taskIds = async () => (await rig.listTasks()).map((t) => t.name?.split("/").at(-1));
  const run = async (now: number) => {
    const { durationMs: _ignored, ...report } = await sweep(rig.runtime.deps, now);
    return report;
  };
  const eventTypesFor = (jobId: string) =>
    rig.events
      .filter((m) => JSON.parse(m.data.toString("utf8")).jobId === jobId)
      .map((m) => m.attributes.type);
  /** A queued job nobody wrote for 10 min; `withTask` also gives it its next attempt's task. */
  const staleQueued = async (now: number, withTask: boolean) => {
    const job = await seedJob(firestore, testJob({ createdAt: now - 10 * MINUTE, attempts: 0 }));
    if (withTask) {
      await rig.runtime.deps.tasks.enqueue({
        jobId: job.id,
        attempt: 1,
        run: 0,
        lane: "interactive",
        dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
      });
    }
    return job;
  };

  beforeAll(async () => {
    rig = await startApiRig();
    firestore = rig.runtime.firestore;
  });
  afterAll(() => rig.close());

  it("requeues a processing job whose lease expired, consuming the attempt, and enqueues the next", async () => {
    const now = Date.now();
    const job = await seedJob(
      firestore,
      processingJob(now - 20 * MINUTE, now - MINUTE, { pixellabJobId: "pl-7" }),
    );

    expect(await run(now)).toEqual({ ...NOTHING, expiredLeases: 1, requeued: 1 });
    const stored = (await jobDoc(job.id).get()).data();
    expect(stored).toMatchObject({
      status: "queued",
      attempts: 1,
      leaseId: null,
      leaseExpiresAt: null,
      error: { type: "timeout", retryable: true },
      // Kept so the next attempt resumes PixelLab's job instead of paying for another.
      pixellabJobId: "pl-7",
    });
    expect(stored?.attemptErrors).toHaveLength(1);
    expect(stored?.nextAttemptAt.toMillis()).toBe(now);
    expect(await taskIds()).toContain(`job-${job.id}-a2`);
  });

  it("fails a job whose expired lease was its last attempt: dead-letter entry, slot freed, events", async () => {
    const now = Date.now();
    const earlier = [attemptError("upstream", now - 30 * MINUTE), attemptError("network", now - 25 * MINUTE)];
    const job = await seedJob(
      firestore,
      processingJob(now - 20 * MINUTE, now - MINUTE, { attempts: 3, attemptErrors: earlier, slot: 0 }),
    );
    await seedSlot(firestore, job, 0, now - 30 * MINUTE);

    expect(await run(now)).toEqual({ ...NOTHING, expiredLeases: 1, failed: 1 });
    expect((await jobDoc(job.id).get()).data()).toMatchObject({
      status: "failed",
      slot: null,
      error: { type: "timeout" },
    });
    const entry = (await firestore.collection("deadLetters").doc(job.id).get()).data();
    expect(entry).toMatchObject({ jobId: job.id, errorType: "timeout", attempts: 3 });
    expect(entry?.attemptErrors.map((e: { type: string }) => e.type)).toEqual([
      "upstream",
      "network",
      "timeout",
    ]);
    expect((await slotDoc(job, 0).get()).exists).toBe(false);
    expect((await taskIds()).filter((id) => id?.includes(job.id))).toEqual([]);
    await waitFor(() => eventTypesFor(job.id).length >= 2, { description: "failure events" });
    expect(eventTypesFor(job.id).sort()).toEqual(["job.dead_lettered", "job.failed"]);
  });

  it("cancels a job whose lease expired after its user asked to cancel", async () => {
    const now = Date.now();
    const job = await seedJob(
      firestore,
      processingJob(now - 20 * MINUTE, now - MINUTE, { cancelRequested: true }),
    );
    expect(await run(now)).toEqual({ ...NOTHING, expiredLeases: 1, cancelled: 1 });
    expect((await jobDoc(job.id).get()).get("status")).toBe("cancelled");
    await waitFor(() => eventTypesFor(job.id).includes("job.cancelled"), { description: "job.cancelled" });
  });

  it("enqueues a stale queued job that has no task, and leaves one that has its task alone", async () => {
    const now = Date.now();
    const orphan = await staleQueued(now, false);
    const waiting = await staleQueued(now, true);
    const fresh = await seedJob(firestore, testJob({ createdAt: now - 1000 }));
    const waitingBefore = (await jobDoc(waiting.id).get()).updateTime;

    expect(await run(now)).toEqual({ ...NOTHING, reenqueued: 1 });
    const tasks = await taskIds();
    // A fresh task-name generation: the old name may still be reserved by Cloud Tasks.
    expect(tasks).toContain(`job-${orphan.id}-r1-a1`);
    expect((await jobDoc(orphan.id).get()).get("run")).toBe(1);
    expect(tasks.filter((id) => id?.includes(waiting.id))).toEqual([`job-${waiting.id}-a1`]);
    expect(tasks.filter((id) => id?.includes(fresh.id))).toEqual([]);
    // A job whose task exists is not rewritten.
    expect((await jobDoc(waiting.id).get()).updateTime?.isEqual(waitingBefore!)).toBe(true);
    expect((await jobDoc(orphan.id).get()).get("status")).toBe("queued");
  });

  it("frees slots no active job holds, and keeps live and young ones", async () => {
    const now = Date.now();
    const done = await seedJob(firestore, testJob({ status: "completed", finishedAt: now - 5 * MINUTE }));
    const vanished = testJob(); // its admission was undone, but the slot stayed
    const live = await seedJob(firestore, processingJob(now - 10 * MINUTE, now + 60 * MINUTE, { slot: 1 }));
    const admitting = testJob(); // slot taken a moment ago; its job is being written
    await seedSlot(firestore, done, 0, now - 10 * MINUTE);
    await seedSlot(firestore, vanished, 0, now - 10 * MINUTE);
    await seedSlot(firestore, live, 1, now - 10 * MINUTE);
    await seedSlot(firestore, admitting, 0, now - 1000);

    expect(await run(now)).toEqual({ ...NOTHING, slotsRepaired: 2 });
    expect((await slotDoc(done, 0).get()).exists).toBe(false);
    expect((await slotDoc(vanished, 0).get()).exists).toBe(false);
    expect((await slotDoc(live, 1).get()).get("jobId")).toBe(live.id);
    expect((await slotDoc(admitting, 0).get()).get("jobId")).toBe(admitting.id);
  });

  it("is idempotent: two sweeps at once fix each thing once, and a third finds nothing", async () => {
    const now = Date.now();
    const expired = await seedJob(firestore, processingJob(now - 20 * MINUTE, now - MINUTE));
    const orphan = await staleQueued(now, false);
    const done = await seedJob(firestore, testJob({ status: "failed" }));
    await seedSlot(firestore, done, 2, now - 10 * MINUTE);

    const [a, b] = await Promise.all([run(now), run(now)]);
    expect(a.expiredLeases + b.expiredLeases).toBe(1);
    expect(a.requeued + b.requeued).toBe(1);
    expect([a.errors, b.errors]).toEqual([0, 0]);
    const tasks = await taskIds();
    expect(tasks.filter((id) => id?.includes(expired.id))).toEqual([`job-${expired.id}-a2`]);
    expect(tasks.filter((id) => id?.includes(orphan.id))).toEqual([`job-${orphan.id}-r1-a1`]);
    expect((await slotDoc(done, 2).get()).exists).toBe(false);
    expect((await jobDoc(expired.id).get()).get("attempts")).toBe(1);

    expect(await run(now)).toEqual(NOTHING);
  });

  it("runs through its HTTP target: POST answers the report, other methods 405", async () => {
    const name = uniqueName("sweep");
    functions.http(name, createSweepHandler(rig.runtime));
    const server: Server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const now = Date.now();
      const job = await seedJob(firestore, processingJob(now - 20 * MINUTE, now - MINUTE));
      const res = await call(url, "POST", "/");
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        ...NOTHING,
        expiredLeases: 1,
        requeued: 1,
        durationMs: expect.any(Number),
      });
      expect((await jobDoc(job.id).get()).get("status")).toBe("queued");
      expect((await call(url, "GET", "/")).status).toBe(405);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
