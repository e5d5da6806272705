import { describe, expect, it } from "vitest";
import { JobError } from "../../shared/errors.ts";
import {
  BackgroundJobEndedError,
  classifyJobStatus,
  nextPollDelay,
  pollBackgroundJob,
  type JobProgress,
} from "../../shared/pixellab/background-job.ts";
import type { BackgroundJobSnapshot } from "../../shared/pixellab/response-decoding.ts";
import { samplePngBase64 } from "../tools/pixellab-fake/sample-requests.ts";

describe("classifyJobStatus accepts PY2's synonyms", () => {
  const cases = [
    ...["completed", "complete", "done", "success", "succeeded", "finished", "COMPLETED"].map((s) => ({
      name: s,
      status: s,
      kind: "completed",
    })),
    ...["failed", "error", "errored", "cancelled", "canceled"].map((s) => ({
      name: s,
      status: s,
      kind: "failed",
    })),
    ...["processing", "pending", "running", "queued", "review"].map((s) => ({
      name: s,
      status: s,
      kind: "running",
    })),
  ];
  it.each(cases)("$name → $kind", ({ status, kind }) => {
    expect(classifyJobStatus(status)).toBe(kind);
  });
});

describe("nextPollDelay", () => {
  const cases = [
    { name: "first pause", attempt: 0, expected: 2000 },
    { name: "second pause ×1.5", attempt: 1, expected: 3000 },
    { name: "third pause ×1.5²", attempt: 2, expected: 4500 },
    { name: "capped", attempt: 10, expected: 10_000 },
  ];
  it.each(cases)("$name", ({ attempt, expected }) => {
    expect(nextPollDelay(attempt, 2000, 10_000)).toBe(expected);
  });
});

/** Replays scripted poll answers against a virtual clock: sleeping advances time instantly. */
function scripted(answers: Array<BackgroundJobSnapshot | JobError>, overrides: { maxWaitMs?: number } = {}) {
  let clock = 0;
  const sleeps: number[] = [];
  const progress: JobProgress[] = [];
  let polls = 0;
  const run = pollBackgroundJob({
    jobId: "job-1",
    fetchSnapshot: async () => {
      const answer = answers[Math.min(polls, answers.length - 1)];
      polls += 1;
      if (answer instanceof JobError) throw answer;
      if (answer === undefined) throw new Error("script exhausted");
      return answer;
    },
    signal: new AbortController().signal,
    expected: { width: 32, height: 32, frameCounts: [1] },
    onProgress: (p) => progress.push(p),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    intervalMs: 100,
    maxIntervalMs: 250,
    maxWaitMs: overrides.maxWaitMs ?? 10_000,
    apiKey: "sk-secret",
  });
  return { run, sleeps, progress, polls: () => polls };
}

const processing: BackgroundJobSnapshot = { status: "processing", lastResponse: null, usage: null };
const done = (lastResponse: Record<string, unknown>): BackgroundJobSnapshot => ({
  status: "completed",
  lastResponse,
  usage: { type: "generations", generations: 1 },
});
const png = samplePngBase64(32, 32);

describe("pollBackgroundJob", () => {
  it("backs off (capped) while processing, reports progress, then returns the checked images", async () => {
    const { run, sleeps, progress } = scripted([
      processing,
      processing,
      processing,
      processing,
      done({ images: [{ base64: png }] }),
    ]);
    const result = await run;
    expect(result).toEqual({
      images: [{ base64: png, width: 32, height: 32, format: "png" }],
      usage: { type: "generations", generations: 1 },
    });
    expect(sleeps).toEqual([100, 150, 225, 250]);
    expect(progress.map((p) => [p.status, p.polls, p.elapsedMs])).toEqual([
      ["processing", 1, 0],
      ["processing", 2, 100],
      ["processing", 3, 250],
      ["processing", 4, 475],
    ]);
  });

  it("reads a single `image` in last_response too", async () => {
    const { run } = scripted([done({ image: { base64: `data:image/png;base64,${png}` } })]);
    await expect(run).resolves.toMatchObject({ images: [{ width: 32, height: 32 }] });
  });

  const failures = [
    {
      name: "failed with detail",
      last: { detail: "NSFW content" },
      status: "failed",
      message: /failed: NSFW content/,
    },
    {
      name: "errored with error",
      last: { error: "model crashed" },
      status: "errored",
      message: /errored: model crashed/,
    },
    { name: "cancelled without reason", last: {}, status: "cancelled", message: /no reason given/ },
  ];
  it.each(failures)("ends on $name", async ({ last, status, message }) => {
    const { run } = scripted([{ status, lastResponse: last, usage: null }]);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackgroundJobEndedError);
    expect(error).toMatchObject({ type: "upstream", retryable: true, reason: "failed", jobId: "job-1" });
    expect((error as Error).message).toMatch(message);
  });

  it("ends with unusable_result when the finished job's image is the wrong size", async () => {
    const { run } = scripted([done({ images: [{ base64: samplePngBase64(16, 16) }] })]);
    await expect(run).rejects.toMatchObject({ reason: "unusable_result", type: "upstream" });
  });

  it("treats 404 as a job that no longer exists", async () => {
    const { run } = scripted([new JobError({ type: "validation", status: 404, message: "not found" })]);
    await expect(run).rejects.toMatchObject({ reason: "not_found", status: 404, retryable: true });
  });

  it("waits Retry-After on 429 and 423, then keeps polling", async () => {
    const tooFast = new JobError({
      type: "rate_limit",
      status: 429,
      retryAfterMs: 700,
      message: "slow down",
    });
    const locked = new JobError({ type: "upstream", status: 423, message: "locked" });
    const { run, sleeps } = scripted([tooFast, locked, done({ images: [{ base64: png }] })]);
    await expect(run).resolves.toMatchObject({ images: [{ width: 32 }] });
    expect(sleeps).toEqual([700, 100, 150]);
  });

  it("throws other errors as they are, so a retry resumes the same job", async () => {
    const { run } = scripted([new JobError({ type: "upstream", status: 502, message: "bad gateway" })]);
    await expect(run).rejects.toMatchObject({ type: "upstream", status: 502 });
    await expect(run).rejects.not.toBeInstanceOf(BackgroundJobEndedError);
  });

  it("gives up as a timeout when the job runs past maxWaitMs", async () => {
    const { run, polls } = scripted([processing], { maxWaitMs: 1000 });
    await expect(run).rejects.toMatchObject({ type: "timeout", retryable: true });
    expect(polls()).toBeGreaterThan(3);
  });

  it("turns an aborted wait into a timeout", async () => {
    const controller = new AbortController();
    const run = pollBackgroundJob({
      jobId: "job-2",
      fetchSnapshot: async () => processing,
      signal: controller.signal,
      expected: { width: 32, height: 32, frameCounts: [1] },
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          controller.abort();
          reject(signal.reason);
        }),
      now: () => 0,
      intervalMs: 100,
      maxIntervalMs: 100,
      maxWaitMs: 10_000,
      apiKey: "k",
    });
    await expect(run).rejects.toMatchObject({ type: "timeout", message: expect.stringContaining("job-2") });
  });
});
