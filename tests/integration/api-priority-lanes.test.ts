import { afterAll, describe, expect, it } from "vitest";
import { queueResource, queueSettings } from "../../shared/queue-settings.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";

interface Accepted {
  jobId: string;
  position: number;
}

/**
 * Priority lanes end to end: each lane's jobs go to their own Cloud Tasks queue, the line and the
 * estimate are per lane, and batch deliveries yield to interactive jobs in the real handler.
 */
describe("priority lanes", () => {
  const rigs: ApiRig[] = [];
  afterAll(() => Promise.all(rigs.map((r) => r.close())));
  const batchQueue = (rig: ApiRig) => rig.queueName.replace(/generation$/, "generation-batch");

  it("queues each lane in its own queue, and counts a job's place in line in its lane", async () => {
    const rig = await startApiRig({ env: { USER_ACTIVE_JOB_LIMIT: "20", USER_SUBMIT_RATE_PER_MIN: "0" } });
    rigs.push(rig);
    const user = await signUpUser();
    const submit = async (description: string, priority?: "batch" | "interactive") => {
      const options = priority === undefined ? {} : { options: { priority } };
      const res = await call(rig.url, "POST", "/v1/jobs", {
        token: user.idToken,
        json: { ...pixfluxBody(description), ...options },
      });
      expect(res.status).toBe(202);
      return res.body as Accepted;
    };
    // The queues are paused, so every job stays queued where it was put.
    const first = await submit("interactive one");
    const firstBatch = await submit("batch one", "batch");
    const secondBatch = await submit("batch two", "batch");
    const second = await submit("interactive two", "interactive");
    // An interactive job waits only for interactive jobs; a batch job for every interactive one too.
    expect([first.position, second.position]).toEqual([0, 1]);
    expect([firstBatch.position, secondBatch.position]).toEqual([1, 2]);

    const [interactiveTasks] = await rig.tasksClient.listTasks({ parent: rig.queueName });
    const [batchTasks] = await rig.tasksClient.listTasks({ parent: batchQueue(rig) });
    const ids = (tasks: { name?: string | null }[]) =>
      tasks.map((t) => /job-([0-9a-f]+)-a1$/.exec(t.name ?? "")?.[1]).sort();
    expect(ids(interactiveTasks)).toEqual([first.jobId, second.jobId].sort());
    expect(ids(batchTasks)).toEqual([firstBatch.jobId, secondBatch.jobId].sort());

    // GET says the same, once the queues run (deliveries go nowhere here, so the jobs stay queued):
    // the second interactive job is in line before both batch jobs.
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    await rig.tasksClient.resumeQueue({ name: batchQueue(rig) });
    const waiting = async (jobId: string) => {
      const res = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: user.idToken });
      return res.body as { priority: string; waiting: { code: string; position: number } };
    };
    expect(await waiting(secondBatch.jobId)).toMatchObject({
      priority: "batch",
      waiting: { code: "in-line", position: 3 },
    });
    expect(await waiting(second.jobId)).toMatchObject({
      priority: "interactive",
      waiting: { code: "in-line", position: 1 },
    });
  });

  it("runs batch jobs only with what interactive jobs leave, yielding their deliveries meanwhile", async () => {
    // 2 attempts at once, 1 of them for batch: a batch attempt starts only while at most 1
    // interactive job is active.
    const env = {
      TASKS_MAX_CONCURRENT: "2",
      TASKS_BATCH_MAX_CONCURRENT: "1",
      USER_ACTIVE_JOB_LIMIT: "20",
      USER_SUBMIT_RATE_PER_MIN: "0",
    };
    const rig: QueueRig = await startQueueRig({ env });
    rigs.push(rig);
    for (const lane of ["interactive", "batch"] as const) {
      const name = lane === "batch" ? batchQueue(rig) : rig.queueName;
      await rig.tasksClient.updateQueue({ queue: queueResource(name, queueSettings(rig.config, lane)) });
    }
    const user = await signUpUser();
    const submit = async (description: string, priority: "batch" | "interactive") => {
      const res = await call(rig.url, "POST", "/v1/jobs", {
        token: user.idToken,
        json: { ...pixfluxBody(`${description} [fake:latency=1500]`), options: { priority } },
      });
      expect(res.status).toBe(202);
      return (res.body as Accepted).jobId;
    };
    // Two interactive jobs fill the interactive share; batch jobs submitted meanwhile must wait.
    const interactive = [
      await submit("interactive a", "interactive"),
      await submit("interactive b", "interactive"),
    ];
    await waitForJob(rig, user.idToken, interactive[1] ?? "", ["processing"]);
    const batch = [await submit("batch a", "batch"), await submit("batch b", "batch")];

    const ended = async (jobId: string) => {
      const job = await waitForJob(rig, user.idToken, jobId, ["completed", "failed", "cancelled"], 60_000);
      return {
        status: job.status,
        startedAt: Date.parse(String(job.startedAt)),
        finishedAt: Date.parse(String(job.finishedAt)),
      };
    };
    const interactiveEnds = await Promise.all(interactive.map(ended));
    const batchEnds = await Promise.all(batch.map(ended));
    expect([...interactiveEnds, ...batchEnds].map((e) => e.status)).toEqual(Array(4).fill("completed"));
    // No batch job started before an interactive one had ended and left the batch share free, so
    // PixelLab never ran more than the 2 attempts at once the queues allow.
    const firstInteractiveEnd = Math.min(...interactiveEnds.map((e) => e.finishedAt));
    for (const b of batchEnds) expect(b.startedAt).toBeGreaterThanOrEqual(firstInteractiveEnd);
    expect(rig.pixellab.stats().peakConcurrency).toBeLessThanOrEqual(2);
    const calls = Object.values(rig.pixellab.stats().calls).reduce((a, b) => a + b, 0);
    expect(calls).toBe(4); // yielding cost no PixelLab call and no attempt
    for (const jobId of batch) {
      const job = await waitForJob(rig, user.idToken, jobId);
      expect(job.attempts).toBe(1);
    }
  });
});
