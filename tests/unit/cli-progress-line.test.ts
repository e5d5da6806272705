import { describe, expect, it } from "vitest";
import {
  describeError,
  submittedLine,
  successLine,
  terminalFailureLine,
} from "../../shared/cli/cli-outcome.ts";
import { CliOptionsError } from "../../shared/cli/generate-options.ts";
import { progressReporter, renderProgress } from "../../shared/cli/progress-line.ts";
import { QueueApiError, WatchTimeoutError } from "../../shared/client/client-errors.ts";
import type { JobView } from "../../shared/submission/job-view.ts";

const job = (extra: Partial<JobView>): JobView => ({
  jobId: "j1",
  operation: "generate-image-pixflux",
  status: "processing",
  progress: { percent: 50, stage: "generating" },
  attempts: 1,
  maxAttempts: 3,
  cached: false,
  cancelRequested: false,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  startedAt: null,
  finishedAt: null,
  nextAttemptAt: null,
  ...extra,
});
const failure = { type: "quota", message: "Insufficient credits", retryable: false };

describe("renderProgress", () => {
  it.each([
    {
      name: "queued",
      job: job({ status: "queued", attempts: 0, progress: { percent: 0, stage: "queued" } }),
      line: "[------------------------]   0% queued",
    },
    { name: "generating", job: job({}), line: "[############------------]  50% generating (attempt 1/3)" },
    {
      name: "waiting to retry",
      job: job({
        status: "queued",
        progress: { percent: 0, stage: "queued" },
        error: { ...failure, type: "upstream" },
      }),
      line: "[------------------------]   0% queued (attempt 1/3), retrying after upstream",
    },
    {
      name: "queued, saying why",
      job: job({
        status: "queued",
        attempts: 0,
        progress: { percent: 0, stage: "queued" },
        waiting: { code: "in-line", message: "3 jobs are ahead of it.", position: 3, estimatedWaitMs: 9_000 },
      }),
      line: "[------------------------]   0% queued · 3 jobs are ahead of it.",
    },
    {
      name: "waiting to retry, saying why",
      job: job({
        status: "queued",
        progress: { percent: 0, stage: "queued" },
        error: { ...failure, type: "rate_limit" },
        waiting: { code: "pixellab-rate-limited", message: "PixelLab asked us to slow down." },
      }),
      line: "[------------------------]   0% queued (attempt 1/3) · PixelLab asked us to slow down.",
    },
    {
      name: "a reason is not shown once the job runs",
      job: job({ waiting: { code: "in-line", message: "stale" } }),
      line: "[############------------]  50% generating (attempt 1/3)",
    },
    {
      name: "completed",
      job: job({ status: "completed", progress: { percent: 100, stage: "done" } }),
      line: "[########################] 100% completed (attempt 1/3)",
    },
    {
      name: "failed shows the status",
      job: job({ status: "failed", attempts: 3 }),
      line: "[############------------]  50% failed (attempt 3/3)",
    },
  ])("$name", ({ job, line }) => {
    expect(renderProgress(job)).toBe(line);
  });
});

describe("progressReporter", () => {
  const states = [
    job({ progress: { percent: 10, stage: "generating" } }),
    job({ progress: { percent: 10, stage: "generating" } }),
    job({}),
  ];
  const ten = "[##----------------------]  10% generating (attempt 1/3)";
  const fifty = "[############------------]  50% generating (attempt 1/3)";
  it.each([
    { name: "a terminal redraws one line", isTTY: true, expected: `\r${ten}\x1b[K\r${fifty}\x1b[K\n` },
    { name: "a pipe gets a line per change", isTTY: false, expected: `${ten}\n${fifty}\n` },
  ])("$name", ({ isTTY, expected }) => {
    let written = "";
    const reporter = progressReporter({ isTTY, write: (text: string) => (written += text) });
    for (const state of states) reporter.show(state);
    reporter.finish();
    expect(written).toBe(expected);
  });
});

describe("CLI outcome lines", () => {
  it.each([
    {
      name: "success",
      line: successLine(job({ status: "completed", attempts: 2 }), "k.png"),
      expected: "job j1 completed in 2 attempts (cache: no) → k.png",
    },
    {
      name: "from the cache",
      line: successLine(job({ status: "completed", attempts: 1, cached: true }), "k.png"),
      expected: "job j1 completed in 1 attempt (cache: yes) → k.png",
    },
    {
      name: "failed",
      line: terminalFailureLine(job({ status: "failed", error: failure })),
      expected: "job j1 failed: quota: Insufficient credits",
    },
    {
      name: "cancelled",
      line: terminalFailureLine(job({ status: "cancelled" })),
      expected: "job j1 cancelled",
    },
    {
      name: "queued",
      line: submittedLine({
        jobId: "j1",
        status: "queued",
        cached: false,
        deduplicated: false,
        position: 2,
        estimatedWaitMs: 3500,
      }),
      expected: "job j1 queued (position 2, about 4 s)",
    },
    {
      name: "cache hit",
      line: submittedLine({ jobId: "j1", status: "completed", cached: true, deduplicated: false }),
      expected: "job j1 completed from the cache",
    },
  ])("$name", ({ line, expected }) => {
    expect(line).toBe(expected);
  });

  const problem = {
    type: "/problems/validation-error",
    title: "t",
    status: 422,
    detail: "Request failed validation.",
    errors: [{ path: "input.image_size.width", message: "too small" }],
  };
  it.each([
    {
      name: "bad arguments exit 2",
      error: new CliOptionsError("--size expects an integer"),
      exitCode: 2,
      message: "--size expects an integer",
    },
    {
      name: "an API refusal exits 1 with the problem type",
      error: new QueueApiError(problem),
      exitCode: 1,
      message:
        "refused: /problems/validation-error (422): Request failed validation.\n  input.image_size.width: too small",
    },
    {
      name: "a 429 says when to retry",
      error: new QueueApiError(
        { ...problem, type: "/problems/user-limit-reached", status: 429, errors: [] },
        5,
      ),
      exitCode: 1,
      message: "refused: /problems/user-limit-reached (429): Request failed validation. (retry after 5 s)",
    },
    {
      name: "a timeout",
      error: new WatchTimeoutError("j1", 1000),
      exitCode: 1,
      message: "timeout: job j1 did not finish within 1000 ms",
    },
    {
      name: "anything else",
      error: new TypeError("fetch failed"),
      exitCode: 1,
      message: "error: fetch failed",
    },
  ])("$name", ({ error, exitCode, message }) => {
    expect(describeError(error)).toEqual({ exitCode, message });
  });
});
