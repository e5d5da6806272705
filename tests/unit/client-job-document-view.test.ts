import { Timestamp } from "firebase/firestore";
import { describe, expect, it } from "vitest";
import { jobDocumentToView } from "../../shared/client/job-document-view.ts";
import { initialJobState } from "../../shared/job-state.ts";
import { encodeJob, type Job } from "../../shared/store/job-document.ts";
import { toJobView, type JobView } from "../../shared/submission/job-view.ts";

const at = (iso: string) => Timestamp.fromMillis(Date.parse(iso));
const image = { base64: "iVBORw0KGgo=", width: 64, height: 64, format: "png" };
const error = {
  type: "upstream",
  message: "PixelLab answered 503",
  retryable: true,
  status: 503,
  at: at("2025-01-01T00:00:03Z"),
};

/** A `jobs/{id}` document as the web SDK returns it, with server-only fields a client must not see. */
function documentOf(overrides: Record<string, unknown> = {}) {
  return {
    userId: "user-1",
    operation: "generate-image-pixflux",
    input: { description: "a knight" },
    cacheKey: "abc",
    status: "queued",
    progress: { percent: 0, stage: "queued" },
    attempts: 0,
    maxAttempts: 3,
    timeoutMs: 600_000,
    createdAt: at("2025-01-01T00:00:00.123Z"),
    updatedAt: at("2025-01-01T00:00:01Z"),
    startedAt: null,
    finishedAt: null,
    cached: false,
    result: null,
    error: null,
    leaseId: null,
    leaseExpiresAt: null,
    cancelRequested: false,
    nextAttemptAt: null,
    slot: 0,
    pixellabJobId: null,
    attemptErrors: [],
    run: 0,
    ...overrides,
  };
}

const base: JobView = {
  jobId: "job-1",
  operation: "generate-image-pixflux",
  status: "queued",
  progress: { percent: 0, stage: "queued" },
  attempts: 0,
  maxAttempts: 3,
  cached: false,
  cancelRequested: false,
  createdAt: "2025-01-01T00:00:00.123Z",
  updatedAt: "2025-01-01T00:00:01.000Z",
  startedAt: null,
  finishedAt: null,
  nextAttemptAt: null,
  traceId: null,
  priority: "interactive",
};

describe("jobDocumentToView", () => {
  it.each([
    { name: "a queued job: times as ISO strings, server fields dropped", doc: {}, view: base },
    {
      name: "a processing job",
      doc: {
        status: "processing",
        attempts: 1,
        startedAt: at("2025-01-01T00:00:02Z"),
        leaseId: "l1",
        progress: { percent: 10, stage: "generating" },
      },
      view: {
        ...base,
        status: "processing",
        attempts: 1,
        startedAt: "2025-01-01T00:00:02.000Z",
        progress: { percent: 10, stage: "generating" },
      },
    },
    {
      name: "a completed job: images with their result URL, no stale error",
      doc: {
        status: "completed",
        result: { images: [image, image], usage: { usd: 0.01 } },
        error,
        finishedAt: at("2025-01-01T00:00:05Z"),
      },
      view: {
        ...base,
        status: "completed",
        finishedAt: "2025-01-01T00:00:05.000Z",
        result: {
          images: [
            { ...image, url: "/v1/jobs/job-1/result?index=0" },
            { ...image, url: "/v1/jobs/job-1/result?index=1" },
          ],
          usage: { usd: 0.01 },
        },
      },
    },
    {
      name: "a job waiting for its next attempt: the last error, without status and time",
      doc: { status: "queued", attempts: 1, error, nextAttemptAt: at("2025-01-01T00:00:04Z") },
      view: {
        ...base,
        attempts: 1,
        nextAttemptAt: "2025-01-01T00:00:04.000Z",
        error: { type: "upstream", message: "PixelLab answered 503", retryable: true },
      },
    },
    {
      name: "a failed job keeps its error",
      doc: { status: "failed", error: { ...error, type: "quota", retryable: false } },
      view: {
        ...base,
        status: "failed",
        error: { type: "quota", message: "PixelLab answered 503", retryable: false },
      },
    },
    {
      name: "a cancelled job that was asked to stop",
      doc: { status: "cancelled", cancelRequested: true },
      view: { ...base, status: "cancelled", cancelRequested: true },
    },
  ])("$name", ({ doc, view }) => {
    expect(jobDocumentToView("job-1", documentOf(doc))).toEqual(view);
  });

  it.each([
    { name: "an unknown status", doc: { status: "paused" }, field: "status" },
    { name: "a time that is not a Timestamp", doc: { createdAt: "2025-01-01" }, field: "createdAt" },
    { name: "a missing progress", doc: { progress: undefined }, field: "progress" },
  ])("refuses a malformed document: $name", ({ doc, field }) => {
    expect(() => jobDocumentToView("job-1", documentOf(doc))).toThrow(
      new RegExp(`jobs/job-1 is malformed.*${field}`, "s"),
    );
  });
});

describe("jobDocumentToView agrees with the API's toJobView", () => {
  const job = (overrides: Partial<Job>): Job => ({
    ...initialJobState(3),
    id: "job-2",
    userId: "user-1",
    operation: "generate-image-pixflux",
    input: { description: "a knight" },
    cacheKey: "abc",
    timeoutMs: 600_000,
    createdAt: 1_735_689_600_123,
    updatedAt: 1_735_689_601_000,
    cached: false,
    result: null,
    slot: 0,
    pixellabJobId: null,
    attemptErrors: [],
    run: 0,
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    spend: null,
    priority: "interactive",
    webhook: null,
    ...overrides,
  });
  const failure = {
    type: "rate_limit" as const,
    message: "429",
    retryable: true,
    status: 429,
    at: 1_735_689_602_000,
  };

  it.each([
    { name: "queued", job: job({}) },
    { name: "retry scheduled", job: job({ attempts: 1, error: failure, nextAttemptAt: 1_735_689_603_000 }) },
    {
      name: "completed from the cache",
      job: job({
        status: "completed",
        cached: true,
        finishedAt: 1_735_689_601_000,
        error: failure,
        result: { images: [{ base64: "AAAA", width: 16, height: 16, format: "png" }], usage: null },
      }),
    },
    {
      name: "failed",
      job: job({ status: "failed", attempts: 3, error: failure, finishedAt: 1_735_689_604_000 }),
    },
  ])("$name", ({ job }) => {
    expect(jobDocumentToView(job.id, encodeJob(job))).toEqual(toJobView(job));
  });
});
