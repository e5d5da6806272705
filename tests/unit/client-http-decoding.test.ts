import { describe, expect, it } from "vitest";
import { joinUrl, retryAfterSeconds } from "../../shared/client/api-http.ts";
import { toSubmitResult } from "../../shared/client/queue-client.ts";
import { submitBodySchema, toProblem } from "../../shared/client/response-schemas.ts";
import { retryDelayMs } from "../../shared/client/retry-delay.ts";

const view = {
  jobId: "j1",
  operation: "generate-image-pixflux",
  status: "queued",
  progress: { percent: 0, stage: "queued" },
  attempts: 0,
  maxAttempts: 3,
  cached: false,
  cancelRequested: false,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  startedAt: null,
  finishedAt: null,
  nextAttemptAt: null,
};
const images = {
  images: [{ base64: "AA", width: 1, height: 1, format: "png", url: "/v1/jobs/j1/result?index=0" }],
  usage: null,
};

describe("toSubmitResult", () => {
  it.each([
    {
      name: "accepted",
      body: { jobId: "j1", status: "queued", position: 2, estimatedWaitMs: 4000 },
      expected: {
        jobId: "j1",
        status: "queued",
        cached: false,
        deduplicated: false,
        position: 2,
        estimatedWaitMs: 4000,
      },
    },
    {
      name: "a cache hit",
      body: { jobId: "j1", status: "completed", cached: true, result: images },
      expected: { jobId: "j1", status: "completed", cached: true, deduplicated: false, result: images },
    },
    {
      name: "a duplicate carries the earlier job's view",
      body: { ...view, deduplicated: true },
      expected: { jobId: "j1", status: "queued", cached: false, deduplicated: true, job: view },
    },
  ])("$name", ({ body, expected }) => {
    expect(toSubmitResult(submitBodySchema.parse(body))).toEqual(expected);
  });
});

describe("toProblem", () => {
  const problem = {
    type: "/problems/validation-error",
    title: "Request failed validation",
    status: 422,
    detail: "x",
  };
  it.each([
    {
      name: "a problem document",
      status: 422,
      body: { ...problem, errors: [{ path: "input", message: "bad" }] },
      expected: { ...problem, errors: [{ path: "input", message: "bad" }] },
    },
    {
      name: "an HTML page from a proxy",
      status: 502,
      body: "<html>Bad gateway</html>",
      expected: {
        type: "/problems/http-502",
        title: "Bad Gateway",
        status: 502,
        detail: "<html>Bad gateway</html>",
      },
    },
    {
      name: "an empty body",
      status: 400,
      body: "",
      expected: { type: "/problems/http-400", title: "Bad Request", status: 400, detail: "Bad Request" },
    },
  ])("$name", ({ status, body, expected }) => {
    const statusText = { 422: "Unprocessable Entity", 502: "Bad Gateway", 400: "Bad Request" }[status] ?? "";
    expect(toProblem(status, statusText, body)).toEqual(expected);
  });
});

describe("retryAfterSeconds", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it.each([
    { header: null, expected: undefined },
    { header: "", expected: undefined },
    { header: "7", expected: 7 },
    { header: "-3", expected: 0 },
    { header: "Wed, 01 Jan 2025 00:00:10 GMT", expected: 10 },
    { header: "soon", expected: undefined },
  ])("$header → $expected", ({ header, expected }) => {
    expect(retryAfterSeconds(header, now)).toBe(expected);
  });
});

describe("joinUrl", () => {
  it.each([
    { base: "http://127.0.0.1:8081", expected: "http://127.0.0.1:8081/v1/jobs" },
    { base: "http://127.0.0.1:8081/", expected: "http://127.0.0.1:8081/v1/jobs" },
    { base: "https://x.run.app/api/", expected: "https://x.run.app/api/v1/jobs" },
  ])("$base", ({ base, expected }) => {
    expect(joinUrl(base, "/v1/jobs")).toBe(expected);
  });
});

describe("retryDelayMs", () => {
  const policy = { baseMs: 500, maxMs: 10_000 };
  it.each([
    { name: "first failure, middle jitter", failures: 1, random: 0.5, expected: 500 },
    { name: "doubles", failures: 3, random: 0.5, expected: 2000 },
    { name: "lowest jitter is 80%", failures: 2, random: 0, expected: 800 },
    { name: "highest jitter is 120%", failures: 2, random: 1, expected: 1200 },
    { name: "capped", failures: 20, random: 0.5, expected: 10_000 },
    { name: "Retry-After wins when longer", failures: 1, random: 0.5, retryAfter: 30, expected: 30_000 },
    { name: "Retry-After does not shorten", failures: 3, random: 0.5, retryAfter: 1, expected: 2000 },
  ])("$name", ({ failures, random, retryAfter, expected }) => {
    expect(retryDelayMs(failures, policy, retryAfter, () => random)).toBe(expected);
  });
});
