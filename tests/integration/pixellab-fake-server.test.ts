import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.ts";
import { waitFor } from "../harness/wait-for.ts";
import { sampleInput } from "../tools/pixellab-fake/sample-requests.ts";
import { DEFAULT_FAKE_API_KEY, startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";
import { requestHash } from "../tools/pixellab-fake/stats.ts";

let fake: FakePixelLab;

beforeAll(async () => {
  fake = await startFakePixelLab({ port: await freePort() });
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; raw?: string; token?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = init.token === undefined ? DEFAULT_FAKE_API_KEY : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await fetch(`${fake.url}${path}`, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const pixflux = (changes: Record<string, unknown> = {}) => sampleInput("generate-image-pixflux", changes);

describe("the fake authenticates like PixelLab", () => {
  const cases = [
    { name: "missing token", token: null },
    { name: "wrong token", token: "not-the-key" },
  ];
  it.each(cases)("401 for a $name", async ({ token }) => {
    for (const path of ["/v1/generate-image-pixflux", "/v2/balance"]) {
      const answer = await call(path, { token, ...(path.includes("balance") ? {} : { body: pixflux() }) });
      expect(answer).toEqual({ status: 401, body: { detail: "Invalid API token" } });
    }
  });
});

describe("the fake validates like FastAPI", () => {
  const cases = [
    {
      name: "wrong type",
      body: pixflux({ text_guidance_scale: "high" }),
      entry: { type: "float_type", loc: ["body", "text_guidance_scale"] },
    },
    {
      name: "out of range",
      body: pixflux({ image_size: { width: 401, height: 32 } }),
      entry: { type: "less_than_equal", loc: ["body", "image_size", "width"] },
    },
    {
      name: "bad enum",
      body: pixflux({ shading: "glossy" }),
      entry: { type: "literal_error", loc: ["body", "shading"] },
    },
    {
      name: "unknown key",
      body: pixflux({ forced_palette: null }),
      entry: { type: "extra_forbidden", loc: ["body", "forced_palette"] },
    },
    {
      name: "missing field",
      body: { image_size: { width: 32, height: 32 } },
      entry: { type: "missing", loc: ["body", "description"] },
    },
  ];
  it.each(cases)("422 for $name", async ({ body, entry }) => {
    const answer = await call("/v2/create-image-pixflux", { body });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toEqual([expect.objectContaining({ ...entry, msg: expect.any(String) })]);
  });

  it("422 json_invalid for a body that is not JSON", async () => {
    const answer = await call("/v1/rotate", { raw: "{not json" });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toEqual([expect.objectContaining({ type: "json_invalid", loc: ["body", 0] })]);
  });

  it("knows v1 and v2 names apart, and methods", async () => {
    expect((await call("/v2/generate-image-pixflux", { body: pixflux() })).status).toBe(404);
    expect((await call("/v1/create-image-pixflux", { body: pixflux() })).status).toBe(404);
    expect((await call("/v1/rotate")).status).toBe(405);
    expect((await call("/v3/rotate", { body: {} })).status).toBe(404);
  });
});

describe("the fake's images", () => {
  const imageOf = (answer: Answer) => (answer.body.image as { base64: string }).base64;

  it("are the same bytes for the same request and seed, and differ for another seed", async () => {
    const first = await call("/v1/generate-image-pixflux", { body: pixflux({ seed: 11 }) });
    const again = await call("/v1/generate-image-pixflux", { body: pixflux({ seed: 11 }) });
    const other = await call("/v1/generate-image-pixflux", { body: pixflux({ seed: 12 }) });
    expect([first.status, again.status, other.status]).toEqual([200, 200, 200]);
    expect(imageOf(again)).toBe(imageOf(first));
    expect(imageOf(other)).not.toBe(imageOf(first));
  });

  it("include 4 frames for animate-with-text, on v1 and v2", async () => {
    for (const path of ["/v1/animate-with-text", "/v2/animate-with-text"]) {
      const answer = await call(path, { body: sampleInput("animate-with-text", { n_frames: 6 }) });
      expect(answer.status).toBe(200);
      expect(answer.body.images).toHaveLength(4);
    }
  });
});

describe("inspection endpoints", () => {
  it("counts calls per endpoint and per request hash, and resets", async () => {
    const body = pixflux({ description: "counted" });
    await call("/v1/generate-image-pixflux", { body });
    await call("/v1/generate-image-pixflux", { body });
    await call("/v2/balance");
    const stats = (await call("/__fake/stats")).body;
    expect(stats).toMatchObject({
      calls: { "POST /v1/generate-image-pixflux": 2, "GET /v2/balance": 1 },
      byRequest: { [requestHash(body)]: 2 },
      statuses: { "200": 3 },
      inFlight: 0,
      peakConcurrency: 1,
    });
    expect((await call("/__fake/reset", { method: "POST" })).status).toBe(200);
    const after = fake.stats();
    // The reset's own 200 is counted once it has been sent, after the reset.
    expect([after.calls, after.byRequest, after.statuses, after.jobsCreated]).toEqual([
      {},
      {},
      { "200": 1 },
      0,
    ]);
  });

  it("answers 400 for an unknown directive, naming it", async () => {
    const answer = await call("/v1/generate-image-pixflux", {
      body: pixflux({ description: "x [fake:explode]" }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toContain("[fake:explode]");
  });
});

describe("the pixellab:fake command", () => {
  it("serves on the given port and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ["tests/tools/pixellab-fake/cli.ts", "--port", String(port), "--scenario", "latency=1"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes("listening"), {
        timeoutMs: 10_000,
        description: "the CLI to listen",
      });
      const response = await fetch(`http://127.0.0.1:${port}/v1/balance`, {
        headers: { authorization: `Bearer ${DEFAULT_FAKE_API_KEY}` },
      });
      expect(await response.json()).toEqual({ type: "usd", usd: 12.5 });
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("exits 2 with a clear message for a bad flag", async () => {
    const child = spawn(process.execPath, ["tests/tools/pixellab-fake/cli.ts", "--port", "http"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let errors = "";
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(2);
    expect(errors).toContain('--port / PIXELLAB_FAKE_PORT: "http" is not an integer in 0..65535');
  });
});
