import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobError } from "../../shared/errors.ts";
import { createPixelLabClient, type PixelLabClient } from "../../shared/pixellab/client.ts";
import { buildRequestBody } from "../../shared/pixellab/request-body.ts";
import { freePort } from "../harness/free-port.ts";
import { sampleRequest } from "../tools/pixellab-fake/sample-requests.ts";
import { startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";
import { requestHash } from "../tools/pixellab-fake/stats.ts";

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

const pixflux = (description: string, extra: Record<string, unknown> = {}) =>
  sampleRequest("generate-image-pixflux", { description, ...extra });

describe("PixelLab client against the offline server: success", () => {
  const cases = [
    {
      name: "v1 pixflux",
      client: () => v1,
      request: pixflux("a knight", { image_size: { width: 48, height: 24 } }),
      size: [48, 24],
      frames: 1,
      usage: { type: "usd", usd: 0.01 },
    },
    {
      name: "v2 pixflux (create-image-pixflux)",
      client: () => v2,
      request: pixflux("a knight"),
      size: [32, 32],
      frames: 1,
      usage: { type: "generations", generations: 1 },
    },
    {
      name: "v1 bitforge",
      client: () => v1,
      request: sampleRequest("generate-image-bitforge", { image_size: { width: 64, height: 64 } }),
      size: [64, 64],
      frames: 1,
      usage: { type: "usd", usd: 0.01 },
    },
    {
      name: "v2 rotate",
      client: () => v2,
      request: sampleRequest("rotate", { to_direction: "west" }),
      size: [32, 32],
      frames: 1,
      usage: { type: "generations", generations: 1 },
    },
    {
      name: "v1 animate-with-text",
      client: () => v1,
      request: sampleRequest("animate-with-text"),
      size: [64, 64],
      frames: 4,
      usage: { type: "usd", usd: 0.01 },
    },
    {
      name: "data: URI images",
      client: () => v1,
      request: pixflux("a knight [fake:data_uri]"),
      size: [32, 32],
      frames: 1,
      usage: { type: "usd", usd: 0.01 },
    },
  ];
  it.each(cases)("$name", async ({ client, request, size, frames, usage }) => {
    const outcome = await client().start(request, { signal: signal() });
    expect(outcome.kind).toBe("completed");
    if (outcome.kind !== "completed") return;
    expect(outcome.result.usage).toEqual(usage);
    expect(outcome.result.images).toHaveLength(frames);
    for (const image of outcome.result.images) {
      expect({ width: image.width, height: image.height, format: image.format }).toEqual({
        width: size[0],
        height: size[1],
        format: "png",
      });
      expect(image.base64.startsWith("data:")).toBe(false);
    }
  });

  it("sends only the keys that were set (the fake saw exactly that body)", async () => {
    const request = pixflux("only set keys", { seed: 5, text_guidance_scale: 8 });
    await v1.start(request, { signal: signal() });
    const body = buildRequestBody(request);
    expect(Object.keys(body).sort()).toEqual(["description", "image_size", "seed"]);
    expect(fake.stats().byRequest[requestHash(body)]).toBe(1);
  });

  it("waits through latency", async () => {
    const started = Date.now();
    const result = await v1.generate(pixflux("slow [fake:latency=60]"), { signal: signal() });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(result.images[0]?.width).toBe(32);
  });

  it("reads the balance in the v1 and the v2 shape", async () => {
    await expect(v1.balance({ signal: signal() })).resolves.toEqual({ usd: 12.5, subscription: null });
    await expect(v2.balance({ signal: signal() })).resolves.toEqual({
      usd: 12.5,
      subscription: { generations: 4660, total: 5000, status: "active", plan: "Fake tier" },
    });
  });
});

describe("the account concurrency cap", () => {
  let capped: FakePixelLab;
  beforeAll(async () => {
    capped = await startFakePixelLab({ port: await freePort(), apiKey: KEY, maxConcurrent: 2 });
  });
  afterAll(async () => {
    await capped.stop();
  });

  it("answers 429 'Too many concurrent jobs' past the cap", async () => {
    const client = createPixelLabClient({ baseUrl: capped.v1Url, apiKey: KEY });
    const calls = [1, 2, 3, 4].map((n) =>
      client.start(pixflux(`busy ${n} [fake:latency=150]`), { signal: signal() }),
    );
    const settled = await Promise.allSettled(calls);
    const rejected = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as JobError] : []));
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(2);
    expect(rejected.map((e) => [e.type, e.status])).toEqual([
      ["rate_limit", 429],
      ["rate_limit", 429],
    ]);
    expect(rejected[0]?.message).toContain("Too many concurrent jobs");
    expect(capped.stats().peakConcurrency).toBe(2);
  });
});
