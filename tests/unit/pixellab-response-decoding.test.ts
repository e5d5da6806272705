import { describe, expect, it } from "vitest";
import { decodeBalance } from "../../shared/pixellab/balance.ts";
import {
  decodeBackgroundJob,
  decodeCreateResponse,
  decodeResultBody,
  type ExpectedOutput,
} from "../../shared/pixellab/response-decoding.ts";
import { samplePngBase64 } from "../tools/pixellab-fake/sample-requests.ts";

const one32: ExpectedOutput = { width: 32, height: 32, frameCounts: [1] };
const png32 = samplePngBase64(32, 32);
const image = (base64: string) => ({ type: "base64", base64, format: "png" });

describe("decodeCreateResponse", () => {
  const accepted = [
    {
      name: "raw base64 image",
      body: { image: image(png32), usage: { type: "usd", usd: 0.01 } },
      usage: { type: "usd", usd: 0.01 },
    },
    {
      name: "data: URI image",
      body: { image: image(`data:image/png;base64,${png32}`), usage: null },
      usage: null,
    },
    { name: "image as a bare string", body: { image: png32 }, usage: null },
    {
      name: "single-element images list",
      body: { images: [image(png32)], usage: { type: "credits", credits: 1 } },
      usage: { type: "credits", credits: 1 },
    },
  ];
  it.each(accepted)("accepts $name", ({ body, usage }) => {
    const result = decodeCreateResponse(body, one32);
    expect(result).toEqual({
      ok: true,
      value: {
        kind: "completed",
        result: { images: [{ base64: png32, width: 32, height: 32, format: "png" }], usage },
      },
    });
  });

  it("recognises a background job by its shape", () => {
    const result = decodeCreateResponse({ background_job_id: "job-1", status: "processing" }, one32);
    expect(result).toEqual({
      ok: true,
      value: { kind: "background", jobId: "job-1", status: "processing", usage: null },
    });
  });

  const rejected = [
    { name: "no image", body: { usage: null }, problem: /no image/ },
    { name: "not an object", body: "hello", problem: /unexpected response shape/ },
    { name: "image not base64", body: { image: image("%%%") }, problem: /not valid base64/ },
    {
      name: "a JPEG",
      body: { image: image(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]).toString("base64")) },
      problem: /jpeg, not a PNG/,
    },
    {
      name: "a corrupt PNG",
      body: { image: image(Buffer.from(png32, "base64").subarray(0, 50).toString("base64")) },
      problem: /not a valid PNG/,
    },
    {
      name: "the wrong size",
      body: { image: image(samplePngBase64(16, 16)) },
      problem: /16x16, expected 32x32/,
    },
    {
      name: "too many images",
      body: { images: [image(png32), image(png32)] },
      problem: /got 2 images, expected 1/,
    },
  ];
  it.each(rejected)("rejects $name", ({ body, problem }) => {
    const result = decodeCreateResponse(body, one32);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.problem).toMatch(problem);
  });
});

describe("decodeResultBody frame counts", () => {
  const frame = image(samplePngBase64(64, 64));
  const cases = [
    { name: "4 frames when 4 or 8 accepted", count: 4, ok: true },
    { name: "8 frames when 4 or 8 accepted", count: 8, ok: true },
    { name: "3 frames when 4 or 8 accepted", count: 3, ok: false },
  ];
  it.each(cases)("$name", ({ count, ok }) => {
    const result = decodeResultBody(
      { images: Array.from({ length: count }, () => frame) },
      { width: 64, height: 64, frameCounts: [4, 8] },
    );
    expect(result.ok).toBe(ok);
  });
});

describe("decodeBackgroundJob", () => {
  const cases = [
    {
      name: "processing",
      body: {
        id: "j",
        status: "processing",
        created_at: "2026-01-01T00:00:00Z",
        last_response: null,
        usage: null,
      },
      expected: { ok: true, value: { status: "processing", lastResponse: null, usage: null } },
    },
    {
      name: "completed with usage",
      body: {
        status: "completed",
        last_response: { images: [] },
        usage: { type: "generations", generations: 1 },
      },
      expected: {
        ok: true,
        value: {
          status: "completed",
          lastResponse: { images: [] },
          usage: { type: "generations", generations: 1 },
        },
      },
    },
  ];
  it.each(cases)("$name", ({ body, expected }) => {
    expect(decodeBackgroundJob(body)).toEqual(expected);
  });

  it("rejects a body without status", () => {
    expect(decodeBackgroundJob({ id: "j" }).ok).toBe(false);
  });
});

describe("decodeBalance", () => {
  const cases = [
    { name: "v1 {type, usd}", body: { type: "usd", usd: 0 }, expected: { usd: 0, subscription: null } },
    {
      name: "v2 credits + subscription (AUD)",
      body: {
        credits: { type: "usd", usd: 8.11 },
        subscription: {
          type: "generations",
          status: "active",
          plan: "Tier 2: Pixel Artisan",
          generations: 4660.0,
          total: 5000.0,
        },
      },
      expected: {
        usd: 8.11,
        subscription: { generations: 4660, total: 5000, status: "active", plan: "Tier 2: Pixel Artisan" },
      },
    },
    {
      name: "v2 subscription with only the required members",
      body: { credits: null, subscription: { generations: 1, total: 2 } },
      expected: { usd: null, subscription: { generations: 1, total: 2, status: null, plan: null } },
    },
  ];
  it.each(cases)("$name", ({ body, expected }) => {
    expect(decodeBalance(body)).toEqual({ ok: true, value: expected });
  });

  it.each([
    { name: "empty object", body: {} },
    { name: "the dead /credits shape", body: { credits: 3 } },
  ])("rejects $name", ({ body }) => {
    expect(decodeBalance(body).ok).toBe(false);
  });
});
