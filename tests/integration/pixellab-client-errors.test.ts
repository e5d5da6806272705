import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobError } from "../../shared/errors.ts";
import type { NormalisedRequest } from "../../shared/operations/operations.ts";
import { createPixelLabClient, type PixelLabClient } from "../../shared/pixellab/client.ts";
import { buildRequestBody } from "../../shared/pixellab/request-body.ts";
import { freePort } from "../harness/free-port.ts";
import { waitFor } from "../harness/wait-for.ts";
import { sampleRequest } from "../tools/pixellab-fake/sample-requests.ts";
import { startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";
import { requestHash } from "../tools/pixellab-fake/stats.ts";

// A key that looks real, so a leak into any error text would be visible.
const KEY = "pl-test-9f8e7d6c5b4a-secret";

let fake: FakePixelLab;
let v1: PixelLabClient;
let v2: PixelLabClient;

beforeAll(async () => {
  fake = await startFakePixelLab({ port: await freePort(), apiKey: KEY });
  v1 = createPixelLabClient({ baseUrl: fake.v1Url, apiKey: KEY });
  v2 = createPixelLabClient({ baseUrl: fake.v2Url, apiKey: KEY });
});

afterAll(async () => {
  await fake.stop();
});

const signal = () => AbortSignal.timeout(10_000);

/** Runs `call`, requires a JobError, and checks that no rendering of it contains the key. */
async function failure(call: Promise<unknown>): Promise<JobError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JobError);
  const jobError = error as JobError;
  for (const text of [
    jobError.message,
    String(jobError),
    JSON.stringify(jobError),
    JSON.stringify(jobError.details),
    jobError.stack ?? "",
  ]) {
    expect(text).not.toContain(KEY);
  }
  return jobError;
}

const pixflux = (description: string, extra: Record<string, unknown> = {}) =>
  sampleRequest("generate-image-pixflux", { description, ...extra });

describe("PixelLab client against the offline server: failures become typed errors", () => {
  const cases = [
    {
      name: "validation_error",
      directive: "validation_error",
      type: "validation",
      retryable: false,
      status: 422,
    },
    { name: "auth_error", directive: "auth_error", type: "authentication", retryable: false, status: 401 },
    { name: "payment_required", directive: "payment_required", type: "quota", retryable: false, status: 402 },
    {
      name: "rate_limit without Retry-After",
      directive: "rate_limit",
      type: "rate_limit",
      retryable: true,
      status: 429,
    },
    {
      name: "rate_limit with Retry-After",
      directive: "rate_limit=2",
      type: "rate_limit",
      retryable: true,
      status: 429,
      retryAfterMs: 2000,
    },
    { name: "overloaded", directive: "overloaded", type: "rate_limit", retryable: true, status: 529 },
    { name: "server_error", directive: "server_error", type: "upstream", retryable: true, status: 500 },
    {
      name: "server_error=503",
      directive: "server_error=503",
      type: "upstream",
      retryable: true,
      status: 503,
    },
    {
      name: "malformed (corrupt PNG in a 200)",
      directive: "malformed",
      type: "upstream",
      retryable: true,
      status: 200,
    },
    {
      name: "wrong_size (valid PNG, wrong size)",
      directive: "wrong_size",
      type: "upstream",
      retryable: true,
      status: 200,
    },
    {
      name: "unknown directive (fake answers 400)",
      directive: "nonsense",
      type: "validation",
      retryable: false,
      status: 400,
    },
  ];
  const versions = [
    { version: "v1", client: () => v1 },
    { version: "v2", client: () => v2 },
  ];
  describe.each(versions)("on $version", ({ client }) => {
    it.each(cases)("$name", async ({ directive, type, retryable, status, retryAfterMs }) => {
      const error = await failure(
        client().start(pixflux(`a knight [fake:${directive}]`), { signal: signal() }),
      );
      expect({
        type: error.type,
        retryable: error.retryable,
        status: error.status,
        retryAfterMs: error.retryAfterMs,
      }).toEqual({
        type,
        retryable,
        status,
        retryAfterMs,
      });
    });
  });

  it("keeps PixelLab's 422 detail list as field problems", async () => {
    // Bypasses our own schema (which would refuse it first) to see the upstream's answer.
    const request = {
      operation: "generate-image-pixflux",
      input: { ...pixflux("tiny").input, image_size: { width: 8, height: 8 } },
    };
    const error = await failure(v1.start(request as NormalisedRequest, { signal: signal() }));
    expect(error.type).toBe("validation");
    expect(error.details).toEqual([
      {
        path: "image_size.width",
        message: "Input should be greater than or equal to 16 (greater_than_equal)",
      },
      {
        path: "image_size.height",
        message: "Input should be greater than or equal to 16 (greater_than_equal)",
      },
    ]);
  });

  it("reports a wrong key as authentication without quoting it", async () => {
    const wrongKey = "pl-wrong-0000-secret";
    const client = createPixelLabClient({ baseUrl: fake.v1Url, apiKey: wrongKey });
    const error = await failure(client.start(pixflux("a knight"), { signal: signal() }));
    expect(error).toMatchObject({ type: "authentication", status: 401 });
    expect(error.message).toContain("Invalid API token");
    expect(error.message).not.toContain(wrongKey);
  });

  it("fails the first n calls of a request, then succeeds (fail-first)", async () => {
    const request = pixflux("flaky [fake:fail-first=2]");
    const first = await failure(v1.start(request, { signal: signal() }));
    const second = await failure(v1.start(request, { signal: signal() }));
    const third = await v1.start(request, { signal: signal() });
    expect([first.status, second.status, third.kind]).toEqual([500, 500, "completed"]);
    expect(fake.stats().byRequest[requestHash(buildRequestBody(request))]).toBe(3);
  });

  it("aborts the socket when the caller's signal fires (the server sees the close)", async () => {
    const abortedBefore = fake.stats().aborted;
    const started = Date.now();
    const error = await failure(
      v1.start(pixflux("hang [fake:timeout]"), { signal: AbortSignal.timeout(150) }),
    );
    expect({ type: error.type, retryable: error.retryable }).toEqual({ type: "timeout", retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    const stats = await waitFor(
      () => {
        const s = fake.stats();
        return s.aborted > abortedBefore && s.inFlight === 0 && s;
      },
      { timeoutMs: 3_000, description: "the fake to see the connection close" },
    );
    expect(stats.aborted).toBe(abortedBefore + 1);
  });

  it("aborts on its own per-request timeout too", async () => {
    const client = createPixelLabClient({ baseUrl: fake.v1Url, apiKey: KEY, requestTimeoutMs: 100 });
    const error = await failure(client.start(pixflux("hang again [fake:timeout]"), { signal: signal() }));
    expect(error.type).toBe("timeout");
  });

  it("classifies a refused connection as network", async () => {
    const client = createPixelLabClient({ baseUrl: `http://127.0.0.1:${await freePort()}/v1`, apiKey: KEY });
    const error = await failure(client.start(pixflux("nobody home"), { signal: signal() }));
    expect({ type: error.type, retryable: error.retryable }).toEqual({ type: "network", retryable: true });
  });
});
