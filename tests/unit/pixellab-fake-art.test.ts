import { describe, expect, it } from "vitest";
import { readPng } from "../../shared/pixellab/png-header.ts";
import { parseCliOptions } from "../tools/pixellab-fake/cli-options.ts";
import { fakeImages } from "../tools/pixellab-fake/fake-output.ts";
import { renderSprite } from "../tools/pixellab-fake/sprite-art.ts";
import { sampleRequest } from "../tools/pixellab-fake/sample-requests.ts";

describe("renderSprite", () => {
  const spec = { seed: "abc", width: 48, height: 32, transparent: true, frame: 0 };
  it("is deterministic", () => {
    expect(renderSprite(spec).data).toEqual(renderSprite({ ...spec }).data);
  });
  it("differs for another seed", () => {
    expect(renderSprite({ ...spec, seed: "abd" }).data).not.toEqual(renderSprite(spec).data);
  });
  it("differs between animation frames", () => {
    expect(renderSprite({ ...spec, frame: 1 }).data).not.toEqual(renderSprite(spec).data);
  });
  it("leaves a transparent background and draws opaque pixels", () => {
    const alphas = new Set(renderSprite(spec).data.filter((_, i) => i % 4 === 3));
    expect([...alphas].sort()).toEqual([0, 255]);
  });
  it("is fully opaque without transparency", () => {
    const alphas = new Set(renderSprite({ ...spec, transparent: false }).data.filter((_, i) => i % 4 === 3));
    expect([...alphas]).toEqual([255]);
  });
});

describe("fakeImages", () => {
  const info = (base64: string) => {
    const result = readPng(Buffer.from(base64.replace(/^data:image\/png;base64,/, ""), "base64"));
    return result.ok ? result.info : result.message;
  };
  const cases = [
    {
      name: "pixflux RGB",
      request: sampleRequest("generate-image-pixflux", { image_size: { width: 40, height: 24 } }),
      count: 1,
      size: [40, 24],
      alpha: false,
    },
    {
      name: "pixflux no_background → RGBA",
      request: sampleRequest("generate-image-pixflux", { no_background: true }),
      count: 1,
      size: [32, 32],
      alpha: true,
    },
    {
      name: "bitforge",
      request: sampleRequest("generate-image-bitforge", { image_size: { width: 200, height: 16 } }),
      count: 1,
      size: [200, 16],
      alpha: false,
    },
    { name: "rotate is RGBA", request: sampleRequest("rotate"), count: 1, size: [32, 32], alpha: true },
    {
      name: "animation: 4 frames even for n_frames 8",
      request: sampleRequest("animate-with-text", { n_frames: 8 }),
      count: 4,
      size: [64, 64],
      alpha: true,
    },
  ];
  it.each(cases)("$name", ({ request, count, size, alpha }) => {
    const images = fakeImages(request, "none", false);
    expect(images).toHaveLength(count);
    for (const image of images)
      expect(info(image.base64)).toMatchObject({ width: size[0], height: size[1], hasAlpha: alpha });
  });

  it("gives the same bytes for the same request and seed, other bytes for another seed", () => {
    const a = fakeImages(sampleRequest("generate-image-pixflux", { seed: 1 }), "none", false);
    const again = fakeImages(sampleRequest("generate-image-pixflux", { seed: 1 }), "none", false);
    const b = fakeImages(sampleRequest("generate-image-pixflux", { seed: 2 }), "none", false);
    expect(again[0]?.base64).toBe(a[0]?.base64);
    expect(b[0]?.base64).not.toBe(a[0]?.base64);
  });

  it.each([
    {
      name: "wrong_size halves the size",
      defect: "wrong_size" as const,
      expected: { width: 16, height: 16 },
    },
    {
      name: "malformed is no valid PNG",
      defect: "malformed" as const,
      expected: "runs past the end of the file",
    },
  ])("$name", ({ defect, expected }) => {
    const [image] = fakeImages(sampleRequest("generate-image-pixflux"), defect, false);
    const result = info(image?.base64 ?? "");
    if (typeof expected === "string") expect(result).toEqual(expect.stringContaining(expected));
    else expect(result).toMatchObject(expected);
  });

  it("can send data: URIs", () => {
    const [image] = fakeImages(sampleRequest("rotate"), "none", true);
    expect(image?.base64.startsWith("data:image/png;base64,")).toBe(true);
  });
});

describe("parseCliOptions", () => {
  const defaults = {
    help: false,
    port: 8790,
    host: "127.0.0.1",
    apiKey: "fake-pixellab-key",
    scenario: "",
    maxConcurrent: null,
    backgroundJobDurationMs: 1000,
    async: false,
  };
  const cases = [
    { name: "defaults", argv: [], env: {}, expected: defaults },
    {
      name: "flags",
      argv: [
        "--port",
        "9000",
        "--scenario=rate_limit=2",
        "--max-concurrent",
        "3",
        "--job-ms",
        "50",
        "--async",
        "--api-key",
        "k",
      ],
      env: {},
      expected: {
        ...defaults,
        port: 9000,
        scenario: "rate_limit=2",
        maxConcurrent: 3,
        backgroundJobDurationMs: 50,
        async: true,
        apiKey: "k",
      },
    },
    {
      name: "env, with flags winning",
      argv: ["--port", "0"],
      env: { PIXELLAB_FAKE_PORT: "1234", PIXELLAB_FAKE_SCENARIO: "overloaded", PIXELLAB_FAKE_ASYNC: "true" },
      expected: { ...defaults, port: 0, scenario: "overloaded", async: true },
    },
    { name: "help", argv: ["--help"], env: {}, expected: { ...defaults, help: true } },
  ];
  it.each(cases)("$name", ({ argv, env, expected }) => {
    expect(parseCliOptions(argv, env)).toEqual(expected);
  });

  const errors = [
    {
      name: "bad port",
      argv: ["--port", "http"],
      env: {},
      message: /--port \/ PIXELLAB_FAKE_PORT: "http" is not an integer in 0\.\.65535/,
    },
    { name: "port out of range", argv: [], env: { PIXELLAB_FAKE_PORT: "70000" }, message: /"70000"/ },
    { name: "unknown flag", argv: ["--verbose"], env: {}, message: /unknown option --verbose/ },
    { name: "missing value", argv: ["--port"], env: {}, message: /--port needs a value/ },
    {
      name: "bad scenario",
      argv: ["--scenario", "explode"],
      env: {},
      message: /--scenario "explode": \[fake:explode\]: unknown directive/,
    },
    { name: "stray argument", argv: ["8790"], env: {}, message: /unexpected argument "8790"/ },
    {
      name: "bad async env",
      argv: [],
      env: { PIXELLAB_FAKE_ASYNC: "maybe" },
      message: /PIXELLAB_FAKE_ASYNC="maybe"/,
    },
    { name: "zero cap", argv: ["--max-concurrent", "0"], env: {}, message: /--max-concurrent: "0"/ },
  ];
  it.each(errors)("rejects $name", ({ argv, env, message }) => {
    expect(() => parseCliOptions(argv, env)).toThrow(message);
  });
});
