import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../../shared/backoff.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import type { DecideContext, JobChange } from "../../shared/lifecycle/job-change.ts";
import type { Job } from "../../shared/store/job-document.ts";
import { recordDecision } from "../../shared/telemetry/decision-metrics.ts";
import { createPromMetrics } from "../../shared/telemetry/prom-metrics.ts";
import { parseSamples } from "../harness/metrics-text.ts";
import { attemptError, testJob } from "../harness/seed-jobs.ts";

const NOW = Date.UTC(2026, 11, 1, 12);
const ctx: DecideContext = {
  now: NOW,
  random: () => 0.5,
  settings: { retry: DEFAULT_RETRY_POLICY, retryAfterMaxMs: 60_000, deadLetterRetentionMs: 86_400_000 },
};
const RESULT = { images: [{ base64: "iVBORw0K", width: 1, height: 1, format: "png" as const }], usage: null };
const OP = "generate-image-pixflux";

/** Submitted 60 s ago; `running` started 20 s ago under lease L, live for another minute. */
const queued = (fields: Partial<Job> = {}) =>
  testJob({ createdAt: NOW - 60_000, updatedAt: NOW - 60_000, ...fields });
const running = (fields: Partial<Job> = {}) =>
  queued({
    status: "processing",
    attempts: 1,
    leaseId: "L",
    leaseExpiresAt: NOW + 60_000,
    startedAt: NOW - 20_000,
    slot: 0,
    ...fields,
  });

/** Series that moved from their initial value, as `name{k=v,…} value` lines (zeros left out). */
async function moved(before: Job, change: JobChange): Promise<string[]> {
  const decided = decide(before, change, ctx);
  if (!decided.ok) throw new Error(`refused: ${decided.message}`);
  const prom = createPromMetrics({ processMetrics: false });
  recordDecision(prom, before, decided.decision.job);
  return parseSamples(await prom.registry.metrics())
    .filter((s) => s.value !== 0 && !s.name.endsWith("_bucket"))
    .map((s) => `${s.name}{${Object.values(s.labels).join(",")}} ${s.value}`);
}

const cases: { name: string; job: () => Job; change: JobChange; expected: string[] }[] = [
  {
    name: "a first claim records the wait",
    job: () => queued(),
    change: { type: "claimed", leaseId: "L", attempt: 1 },
    expected: [`genqueue_job_wait_seconds_sum{${OP}} 60`, `genqueue_job_wait_seconds_count{${OP}} 1`],
  },
  {
    name: "a result ends the attempt and the job: finished, processing and end-to-end times",
    job: () => running(),
    change: { type: "result-ready", leaseId: "L", result: RESULT },
    expected: [
      `genqueue_jobs_finished_total{${OP},completed} 1`,
      `genqueue_job_processing_seconds_sum{${OP}} 20`,
      `genqueue_job_processing_seconds_count{${OP}} 1`,
      `genqueue_job_end_to_end_seconds_sum{${OP},false} 60`,
      `genqueue_job_end_to_end_seconds_count{${OP},false} 1`,
      `genqueue_attempts_total{${OP},completed} 1`,
    ],
  },
  {
    name: "a retryable failure schedules a retry and counts its error type",
    job: () => running(),
    change: { type: "attempt-failed", leaseId: "L", error: attemptError("rate_limit", NOW) },
    expected: [
      `genqueue_attempts_total{${OP},retry-scheduled} 1`,
      "genqueue_pixellab_errors_total{rate_limit} 1",
    ],
  },
  {
    name: "a failure on the last attempt fails the job",
    job: () => running({ attempts: 3 }),
    change: { type: "attempt-failed", leaseId: "L", error: attemptError("quota", NOW) },
    expected: [
      `genqueue_jobs_finished_total{${OP},failed} 1`,
      `genqueue_job_processing_seconds_sum{${OP}} 20`,
      `genqueue_job_processing_seconds_count{${OP}} 1`,
      `genqueue_job_end_to_end_seconds_sum{${OP},false} 60`,
      `genqueue_job_end_to_end_seconds_count{${OP},false} 1`,
      `genqueue_attempts_total{${OP},failed} 1`,
      "genqueue_pixellab_errors_total{quota} 1",
    ],
  },
  {
    name: "an expired lease settled by the sweeper: the attempt lost its lease (a timeout)",
    job: () => running({ leaseExpiresAt: NOW - 1 }),
    change: { type: "lease-expired", by: "sweeper" },
    expected: [`genqueue_attempts_total{${OP},lease-lost} 1`, "genqueue_pixellab_errors_total{timeout} 1"],
  },
  {
    name: "a claim that settles an expired lease first: the old attempt lost it, no second wait",
    job: () => running({ leaseExpiresAt: NOW - 1 }),
    change: { type: "claimed", leaseId: "M", attempt: 2 },
    expected: [`genqueue_attempts_total{${OP},lease-lost} 1`, "genqueue_pixellab_errors_total{timeout} 1"],
  },
  {
    name: "a queued job cancelled ends without an attempt or processing time",
    job: () => queued({ slot: 0 }),
    change: { type: "cancel-requested" },
    expected: [
      `genqueue_jobs_finished_total{${OP},cancelled} 1`,
      `genqueue_job_end_to_end_seconds_sum{${OP},false} 60`,
      `genqueue_job_end_to_end_seconds_count{${OP},false} 1`,
    ],
  },
  {
    name: "a cancel request on a running job changes nothing counted yet",
    job: () => running(),
    change: { type: "cancel-requested" },
    expected: [],
  },
  {
    name: "the handler honouring a cancel ends the attempt cancelled",
    job: () => running({ cancelRequested: true }),
    change: { type: "attempt-cancelled", leaseId: "L" },
    expected: [
      `genqueue_jobs_finished_total{${OP},cancelled} 1`,
      `genqueue_job_processing_seconds_sum{${OP}} 20`,
      `genqueue_job_processing_seconds_count{${OP}} 1`,
      `genqueue_job_end_to_end_seconds_sum{${OP},false} 60`,
      `genqueue_job_end_to_end_seconds_count{${OP},false} 1`,
      `genqueue_attempts_total{${OP},cancelled} 1`,
    ],
  },
  {
    name: "progress records nothing",
    job: () => running(),
    change: { type: "progress", leaseId: "L", progress: { percent: 50, stage: "generating" } },
    expected: [],
  },
];

describe("what a lifecycle decision records", () => {
  it.each(cases)("$name", async ({ job, change, expected }) => {
    expect((await moved(job(), change)).sort()).toEqual([...expected].sort());
  });
});
