import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobError } from "../../shared/errors.ts";
import { BackgroundJobEndedError, type JobProgress } from "../../shared/pixellab/background-job.ts";
import { createPixelLabClient, type PixelLabClient } from "../../shared/pixellab/client.ts";
import { expectedOutput } from "../../shared/pixellab/expected-output.ts";
import { freePort } from "../harness/free-port.ts";
import { sampleRequest } from "../tools/pixellab-fake/sample-requests.ts";
import { startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";

const KEY = "pl-jobs-1234-secret";
/** Short job and poll times keep the suite fast; the production defaults are seconds. */
const JOB_MS = 120;
const polling = { pollIntervalMs: 20, maxPollIntervalMs: 40 };

let fake: FakePixelLab;
let client: PixelLabClient;

beforeAll(async () => {
  fake = await startFakePixelLab({ port: await freePort(), apiKey: KEY, backgroundJobDurationMs: JOB_MS });
  client = createPixelLabClient({ baseUrl: fake.v2Url, apiKey: KEY, ...polling });
});

afterAll(async () => {
  await fake.stop();
});

const signal = () => AbortSignal.timeout(10_000);
const pixflux = (description: string) => sampleRequest("generate-image-pixflux", { description });

async function startJob(description: string): Promise<string> {
  const outcome = await client.start(pixflux(description), { signal: signal() });
  if (outcome.kind !== "background") throw new Error(`expected a background job, got ${outcome.kind}`);
  return outcome.jobId;
}

describe("v2 background jobs", () => {
  it("polls to completion, reporting progress, and decodes the images", async () => {
    const request = pixflux("a castle [fake:background]");
    const outcome = await client.start(request, { signal: signal() });
    expect(outcome).toMatchObject({ kind: "background", status: "processing" });
    if (outcome.kind !== "background") return;
    const progress: JobProgress[] = [];
    const result = await client.waitForBackgroundJob(outcome.jobId, {
      signal: signal(),
      expected: expectedOutput(request),
      onProgress: (p) => progress.push(p),
    });
    expect(result.images.map((i) => [i.width, i.height])).toEqual([[32, 32]]);
    expect(result.usage).toEqual({ type: "generations", generations: 1 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.status === "processing" && p.jobId === outcome.jobId)).toBe(true);
  });

  it("resumes polling the same job on a retry instead of paying for a second generation", async () => {
    const request = pixflux("resume me [fake:background]");
    const jobsBefore = fake.stats().jobsCreated;
    const jobId = await startJob("resume me [fake:background]");
    // Attempt 1 dies while waiting (its deadline fires); the handler has recorded jobId.
    const first = await client
      .waitForBackgroundJob(jobId, { signal: AbortSignal.timeout(30), expected: expectedOutput(request) })
      .catch((e: unknown) => e);
    expect(first).toMatchObject({ type: "timeout", retryable: true });
    // Attempt 2, in a fresh client as in a new function instance, only polls.
    const retryClient = createPixelLabClient({ baseUrl: fake.v1Url, apiKey: KEY, ...polling });
    const result = await retryClient.waitForBackgroundJob(jobId, {
      signal: signal(),
      expected: expectedOutput(request),
    });
    expect(result.images).toHaveLength(1);
    expect(fake.stats().jobsCreated).toBe(jobsBefore + 1);
  });

  it("generate() hands over the job id before waiting", async () => {
    const seen: string[] = [];
    const result = await client.generate(pixflux("via generate [fake:background]"), {
      signal: signal(),
      onBackgroundJob: async (jobId) => {
        seen.push(jobId);
      },
    });
    expect(seen).toHaveLength(1);
    expect(result.images[0]?.width).toBe(32);
  });

  it("ends with BackgroundJobEndedError and PixelLab's detail when the job fails", async () => {
    const jobId = await startJob("doomed [fake:background,job_failed,job_ms=30]");
    const error = await client
      .waitForBackgroundJob(jobId, { signal: signal(), expected: expectedOutput(pixflux("x")) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackgroundJobEndedError);
    expect(error).toMatchObject({ reason: "failed", jobId, type: "upstream", retryable: true });
    expect((error as Error).message).toContain("fake job_failed");
    expect((error as Error).message).not.toContain(KEY);
  });

  it("rejects a finished job whose image is corrupt", async () => {
    const jobId = await startJob("broken [fake:background,malformed,job_ms=0]");
    await expect(
      client.waitForBackgroundJob(jobId, { signal: signal(), expected: expectedOutput(pixflux("x")) }),
    ).rejects.toMatchObject({ reason: "unusable_result", type: "upstream" });
  });

  it("treats an unknown job id as a job that no longer exists", async () => {
    await expect(
      client.waitForBackgroundJob("00000000-0000-0000-0000-000000000000", {
        signal: signal(),
        expected: expectedOutput(pixflux("x")),
      }),
    ).rejects.toMatchObject({ reason: "not_found", status: 404 });
  });

  it("serves animations as background jobs in --async mode, 4 frames each", async () => {
    const asyncFake = await startFakePixelLab({
      port: await freePort(),
      apiKey: KEY,
      async: true,
      backgroundJobDurationMs: 30,
    });
    try {
      const asyncClient = createPixelLabClient({ baseUrl: asyncFake.v1Url, apiKey: KEY, ...polling });
      const jobIds: string[] = [];
      const result = await asyncClient.generate(sampleRequest("animate-with-text"), {
        signal: signal(),
        onBackgroundJob: (id) => {
          jobIds.push(id);
        },
      });
      expect(jobIds).toHaveLength(1);
      expect(result.images.map((i) => [i.width, i.height])).toEqual(
        Array.from({ length: 4 }, () => [64, 64]),
      );
    } finally {
      await asyncFake.stop();
    }
  });

  it("counts running jobs against the concurrency cap", async () => {
    const capped = await startFakePixelLab({
      port: await freePort(),
      apiKey: KEY,
      maxConcurrent: 1,
      async: true,
      backgroundJobDurationMs: 5_000,
    });
    try {
      const cappedClient = createPixelLabClient({ baseUrl: capped.v2Url, apiKey: KEY });
      await expect(cappedClient.start(pixflux("first"), { signal: signal() })).resolves.toMatchObject({
        kind: "background",
      });
      const error = await cappedClient
        .start(pixflux("second"), { signal: signal() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobError);
      expect(error).toMatchObject({
        type: "rate_limit",
        status: 429,
        message: expect.stringContaining("Too many concurrent jobs"),
      });
    } finally {
      await capped.stop();
    }
  });
});
