import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpCounts } from "../../shared/store/op-meter.ts";
import { signUpAnonymous, signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, type QueueRig } from "../harness/queue-rig.ts";
import { waitFor } from "../harness/wait-for.ts";

/**
 * What each path costs in Firestore operations, counted by the store itself (the meter every
 * function's store reports to) on the emulator, with the offline PixelLab answering at once. Counts,
 * not times: they are the same on every run and every machine.
 *
 * The signed-in users' submission rate is off here, so the first tests count the queue's own paths;
 * anonymous users keep theirs (10 a minute), and the last test counts what the rate adds.
 */
describe("Firestore operations per job, by path", () => {
  let rig: QueueRig;
  beforeAll(async () => {
    rig = await startQueueRig({ env: { USER_SUBMIT_RATE_PER_MIN: "0" } });
  });
  afterAll(() => rig.close());

  const pixellabCalls = () => Object.values(rig.pixellab.stats().calls).reduce((a, b) => a + b, 0);
  const apiOps = () => rig.runtime.meter.totals();
  const handlerOps = () => rig.processRuntime.meter.totals();
  const minus = (a: OpCounts, b: OpCounts): OpCounts => ({
    reads: a.reads - b.reads,
    writes: a.writes - b.writes,
    deletes: a.deletes - b.deletes,
  });
  /** Waits for the job's end by reading Firestore directly (not through a meter). */
  const ended = (jobId: string) =>
    waitFor(
      async () => {
        const snap = await rig.runtime.firestore.collection("jobs").doc(jobId).get();
        const status = snap.get("status") as string | undefined;
        return status === "completed" || status === "failed" ? snap.data() : undefined;
      },
      { timeoutMs: 20_000, description: `job ${jobId} to end` },
    );
  async function submit(token: string, body: unknown) {
    const before = apiOps();
    const res = await call(rig.url, "POST", "/v1/jobs", { token, json: body });
    return { res, ops: minus(apiOps(), before), jobId: (res.body as { jobId: string }).jobId };
  }

  it("a cache miss costs 4 reads and 8 writes with deletes, one task and one PixelLab call", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("an op-counted knight", { seed: 7 });
    const handlerBefore = handlerOps();
    const callsBefore = pixellabCalls();
    const { res, ops, jobId } = await submit(user.idToken, body);
    expect(res.status).toBe(202);
    // Admission: the claim and the cache looked up, the queue depth and the interactive lane's
    // counted; claim, slot, job written.
    expect(ops).toEqual({ reads: 4, writes: 3, deletes: 0 });
    expect((await ended(jobId))?.status).toBe("completed");
    await waitFor(() => minus(handlerOps(), handlerBefore).writes >= 4, {
      description: "the handler's writes",
    });
    // Handler: the claim commits against the job its task carries, without reading it; the flight,
    // the result, the completed job written; slot deleted.
    expect(minus(handlerOps(), handlerBefore)).toEqual({ reads: 0, writes: 4, deletes: 1 });
    const total = { reads: ops.reads, writesAndDeletes: ops.writes + 4 + 1 };
    expect(total.reads).toBeLessThanOrEqual(4);
    expect(total.writesAndDeletes).toBeLessThanOrEqual(8);
    expect(pixellabCalls() - callsBefore).toBe(1);
  });

  it("a cache hit costs at most 2 reads and 2 writes, and a dedup hit 2 reads and no write", async () => {
    const first = await signUpUser();
    const body = pixfluxBody("an op-counted cached sprite", { seed: 8 });
    const made = await submit(first.idToken, body);
    await ended(made.jobId);

    const other = await signUpUser();
    // The first job's task leaves the queue just after its delivery answered: count from a settled queue.
    await waitFor(async () => (await rig.listTasks()).length === 0, { description: "the queue to settle" });
    const tasksBefore = (await rig.listTasks()).length;
    const handlerBefore = handlerOps();
    const hit = await submit(other.idToken, body);
    expect(hit.res.status).toBe(200);
    expect((hit.res.body as { status: string }).status).toBe("completed");
    expect(hit.ops.reads).toBeLessThanOrEqual(2);
    expect(hit.ops.writes).toBe(2); // the completed job and its dedup claim
    expect(hit.ops.deletes).toBe(0);

    const dedup = await submit(first.idToken, body); // the same user again, within the dedup window
    expect(dedup.res.status).toBe(200);
    expect(dedup.jobId).toBe(made.jobId);
    expect(dedup.ops).toEqual({ reads: 2, writes: 0, deletes: 0 }); // the claim and its job
    // Neither ran a task or touched the handler.
    expect((await rig.listTasks()).length).toBe(tasksBefore);
    expect(minus(handlerOps(), handlerBefore)).toEqual({ reads: 0, writes: 0, deletes: 0 });
  });

  it("the submission rate adds 1 read and 1 write to each counted submission", async () => {
    const first = await signUpAnonymous();
    const body = pixfluxBody("an op-counted rated sprite", { seed: 10 });
    const miss = await submit(first.idToken, body);
    expect(miss.res.status).toBe(202);
    // The minute's slots counted (1 aggregation read) and one created, besides the cache miss's 4 and 3.
    expect(miss.ops).toEqual({ reads: 5, writes: 4, deletes: 0 });
    await ended(miss.jobId);
    const dedup = await submit(first.idToken, body);
    expect(dedup.ops).toEqual({ reads: 3, writes: 1, deletes: 0 });
    await waitFor(async () => (await rig.listTasks()).length === 0, { description: "the queue to settle" });
    const other = await signUpAnonymous();
    const hit = await submit(other.idToken, body);
    expect(hit.res.status).toBe(200);
    expect(hit.ops.reads).toBeLessThanOrEqual(3);
    expect(hit.ops.writes).toBe(3);
    const slots = await rig.runtime.firestore
      .collection("rateSlots")
      .where("userId", "in", [first.uid, other.uid])
      .get();
    expect(slots.size).toBe(3);
  });

  it("identical requests of different users in flight together share one generation (single-flight)", async () => {
    const users = await Promise.all([signUpUser(), signUpUser(), signUpUser()]);
    // Slow enough that the later jobs start while the first one's PixelLab call is still running.
    const body = pixfluxBody("a shared dragon [fake:latency=1500,tag=single-flight]", { seed: 9 });
    const submitted = await Promise.all(users.map((u) => submit(u.idToken, body)));
    expect(submitted.map((s) => s.res.status)).toEqual([202, 202, 202]);
    const jobIds = new Set(submitted.map((s) => s.jobId));
    expect(jobIds.size).toBe(3); // each user has a job of their own
    const done = await Promise.all(submitted.map((s) => ended(s.jobId)));
    expect(done.map((d) => d?.status)).toEqual(["completed", "completed", "completed"]);
    expect(new Set(done.map((d) => d?.userId))).toEqual(new Set(users.map((u) => u.uid)));
    expect(new Set(done.map((d) => JSON.stringify(d?.result)))).toHaveProperty("size", 1);
    expect(rig.pixellab.stats().byTag["single-flight"]?.generations).toBe(1);
    // Each kept its own slot until its own end: every slot of the three users is free again.
    const slots = await rig.runtime.firestore
      .collection("userSlots")
      .where(
        "userId",
        "in",
        users.map((u) => u.uid),
      )
      .get();
    expect(slots.size).toBe(0);
  });
});
