import { afterAll, describe, expect, it } from "vitest";
import { signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";

interface LedgerEntry {
  jobId: string;
  micros: number;
}

/**
 * The daily spend budget end to end: the api holds budget per admitted job in Firestore, the
 * handler's terminal write charges what the fake PixelLab reported (`[fake:usd=…]`), and the sums
 * the api reads decide admissions.
 */
describe("the per-user daily spend budget", () => {
  const rigs: QueueRig[] = [];
  const rigWith = async (env: Record<string, string>) => {
    const rig = await startQueueRig({
      env: { USER_ACTIVE_JOB_LIMIT: "50", USER_SUBMIT_RATE_PER_MIN: "0", ...env },
    });
    rigs.push(rig);
    return rig;
  };
  afterAll(() => Promise.all(rigs.map((r) => r.close())));

  const ledger = async (rig: QueueRig, uid: string): Promise<LedgerEntry[]> => {
    const snap = await rig.runtime.firestore.collection("spend").where("userId", "==", uid).get();
    return snap.docs.map((d) => d.data() as LedgerEntry);
  };
  const total = (entries: LedgerEntry[]) => entries.reduce((sum, e) => sum + e.micros, 0);

  it("admits exactly as many of 15 simultaneous submissions as the budget holds, then charges what PixelLab reported", async () => {
    const rig = await rigWith({ USER_DAILY_SPEND_USD: "0.05", SPEND_HOLD_USD: "0.01" });
    const user = await signUpUser();
    const responses = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        call(rig.url, "POST", "/v1/jobs", {
          token: user.idToken,
          json: pixfluxBody(`budget burst ${i} [fake:usd=0.01]`),
        }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(5).fill(202), ...Array(10).fill(429)]);
    const refused = responses.find((r) => r.status === 429);
    expect(refused?.body).toMatchObject({
      type: "/problems/spend-limit-reached",
      limitName: "daily-spend-usd",
      limit: 0.05,
      holdUsd: 0.01,
    });
    const resetsAt = Date.parse((refused?.body as { resetsAt: string }).resetsAt);
    expect(resetsAt % 86_400_000).toBe(0); // the next UTC midnight
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);

    const accepted = responses
      .filter((r) => r.status === 202)
      .map((r) => (r.body as { jobId: string }).jobId);
    const jobs = await rig.runtime.firestore.collection("jobs").where("userId", "==", user.uid).get();
    expect(jobs.docs.map((d) => d.id).sort()).toEqual([...accepted].sort());
    expect((await ledger(rig, user.uid)).map((e) => e.jobId).sort()).toEqual([...accepted].sort());

    for (const jobId of accepted)
      expect((await waitForJob(rig, user.idToken, jobId)).status).toBe("completed");
    const charged = await ledger(rig, user.uid);
    expect(charged.map((e) => e.micros)).toEqual(Array(5).fill(10_000));
    for (const jobId of accepted) {
      const stored = (await rig.runtime.firestore.collection("jobs").doc(jobId).get()).data();
      expect(stored?.spend).toMatchObject({ heldMicros: 10_000, chargedMicros: 10_000 });
    }
    const calls = Object.values(rig.pixellab.stats().calls).reduce((a, b) => a + b, 0);
    expect(calls).toBe(5); // one PixelLab call per admitted job, none for the refused ones
    const sixth = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("one more"),
    });
    expect(sixth.status).toBe(429);
  });

  it("frees what a job held beyond its cost when it ends, and all of it when it failed before PixelLab billed", async () => {
    const rig = await rigWith({ USER_DAILY_SPEND_USD: "0.05", SPEND_HOLD_USD: "0.02", MAX_ATTEMPTS: "1" });
    const user = await signUpUser();
    const submit = (description: string) =>
      call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(description) });
    const first = await submit("cheap one [fake:usd=0.005, latency=1500]");
    const failing = await submit("refused upstream [fake:validation_error, latency=1500]");
    expect([first.status, failing.status]).toEqual([202, 202]);
    const third = await submit("cheap two [fake:usd=0.005]");
    expect(third.status).toBe(429); // both still run: 0.04 held, one more hold is 0.06
    expect(third.body).toMatchObject({ spentUsd: 0.04 });

    const idOf = (r: { body: unknown }) => (r.body as { jobId: string }).jobId;
    expect((await waitForJob(rig, user.idToken, idOf(first))).status).toBe("completed");
    expect((await waitForJob(rig, user.idToken, idOf(failing))).status).toBe("failed");
    expect(total(await ledger(rig, user.uid))).toBe(5_000);
    // 0.005 spent: two more holds fit (0.045, while those two run), a third does not.
    const running = [
      await submit("cheap two [fake:usd=0.005, latency=3000]"),
      await submit("cheap three [fake:usd=0.005, latency=3000]"),
    ];
    expect(running.map((r) => r.status)).toEqual([202, 202]);
    const over = await submit("cheap four [fake:usd=0.005]");
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ spentUsd: 0.045 });
    for (const r of running) expect((await waitForJob(rig, user.idToken, idOf(r))).status).toBe("completed");
    expect(total(await ledger(rig, user.uid))).toBe(15_000);
  });

  it("costs 1 read and 1 write at admission and 1 write in the job's terminal commit", async () => {
    const rig = await rigWith({ USER_DAILY_SPEND_USD: "1", SPEND_HOLD_USD: "0.05" });
    const user = await signUpUser();
    const apiBefore = rig.runtime.meter.totals();
    const handlerBefore = rig.processRuntime.meter.totals();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("an op-counted budgeted sprite [fake:usd=0.01]"),
    });
    expect(res.status).toBe(202);
    const api = rig.runtime.meter.totals();
    // The cache miss's 4 reads and 3 writes (firestore-op-counts), plus the hold and the day's sum.
    expect({ reads: api.reads - apiBefore.reads, writes: api.writes - apiBefore.writes }).toEqual({
      reads: 5,
      writes: 4,
    });
    const { jobId } = res.body as { jobId: string };
    expect((await waitForJob(rig, user.idToken, jobId)).status).toBe("completed");
    const handler = rig.processRuntime.meter.totals();
    // The handler's 4 writes and 1 delete, plus the charge, in the completion's commit.
    expect({
      reads: handler.reads - handlerBefore.reads,
      writes: handler.writes - handlerBefore.writes,
      deletes: handler.deletes - handlerBefore.deletes,
    }).toEqual({ reads: 0, writes: 5, deletes: 1 });
  });
});
