import { describe, expect, it } from "vitest";
import { KNOWN_JOB_MAX_BYTES, nextTask, withKnownJob } from "../../shared/lifecycle/next-task.ts";
import { taskBody, type TaskRequest } from "../../shared/ports/task-scheduler.ts";
import { taskPayload } from "../../shared/processing/task-payload.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { attemptError, testJob } from "../harness/seed-jobs.ts";

/** What the handler decodes from the body the Cloud Tasks adapter writes (JSON over the wire). */
const overTheWire = (task: TaskRequest) => taskPayload.safeParse(JSON.parse(JSON.stringify(taskBody(task))));

const VERSION = "1764590400123456789";
const retrying = testJob({
  attempts: 1,
  nextAttemptAt: Date.UTC(2026, 11, 1, 12, 0, 5),
  error: attemptError("upstream", Date.UTC(2026, 11, 1, 12)),
  attemptErrors: [attemptError("upstream", Date.UTC(2026, 11, 1, 12))],
  pixellabJobId: "pl-1",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
});
const padded = (bytes: number): Job =>
  testJob({ input: { ...testJob().input, description: "x".repeat(bytes) } });

describe("the job a task carries", () => {
  const cases: { name: string; job: Job; version?: string; carried: boolean }[] = [
    { name: "a just-admitted job, with its version", job: testJob(), version: VERSION, carried: true },
    { name: "a queued retry with errors and a trace", job: retrying, version: VERSION, carried: true },
    { name: "no version known (sweeper rescues)", job: testJob(), carried: false },
    {
      name: "a job just under the size limit",
      job: padded(KNOWN_JOB_MAX_BYTES - 2_000),
      version: VERSION,
      carried: true,
    },
    {
      name: "a job over the size limit (large input)",
      job: padded(KNOWN_JOB_MAX_BYTES),
      version: VERSION,
      carried: false,
    },
  ];
  it.each(cases)("$name", ({ job, version, carried }) => {
    const task = nextTask(job, version);
    expect(task).toMatchObject({ jobId: job.id, attempt: job.attempts + 1, run: job.run });
    expect(task.known !== undefined).toBe(carried);
    const decoded = overTheWire(task);
    expect(decoded.success).toBe(true);
    // JSON keeps the job exactly: the claim's compare-and-set diffs against it.
    if (carried) expect(decoded.data?.known).toEqual({ job, version });
    else expect(decoded.data?.known).toBeUndefined();
  });

  it("is only ever the task's own job's next attempt", () => {
    const job = testJob({ attempts: 1 });
    const own = nextTask(job);
    expect(withKnownJob(own, job, VERSION).known).toEqual({ job, version: VERSION });
    expect(withKnownJob({ ...own, attempt: 1 }, job, VERSION).known).toBeUndefined();
    expect(withKnownJob({ ...own, run: 1 }, job, VERSION).known).toBeUndefined();
    expect(withKnownJob({ ...own, jobId: "another" }, job, VERSION).known).toBeUndefined();
  });

  it("a payload whose carried job is not its own, or is malformed, is refused", () => {
    const job = testJob();
    const base = { jobId: job.id, attempt: 1, run: 0 };
    const bad = [
      { ...base, known: { version: VERSION, job: { ...job, id: "someone-else" } } },
      { ...base, known: { version: "not-a-version", job } },
      { ...base, known: { version: VERSION, job: { ...job, status: "exploded" } } },
      { ...base, known: { version: VERSION, job: { ...job, createdAt: "yesterday" } } },
      { ...base, known: { version: VERSION } },
    ];
    for (const body of bad)
      expect(taskPayload.safeParse(body).success, JSON.stringify(body.known)).toBe(false);
    expect(taskPayload.safeParse({ ...base, known: { version: VERSION, job } }).success).toBe(true);
  });
});
