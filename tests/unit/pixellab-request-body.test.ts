import { describe, expect, it } from "vitest";
import { apiVersion, backgroundJobUrl, operationUrl } from "../../shared/pixellab/endpoints.ts";
import { expectedOutput } from "../../shared/pixellab/expected-output.ts";
import { buildRequestBody } from "../../shared/pixellab/request-body.ts";
import { samplePngBase64, sampleRequest } from "../tools/pixellab-fake/sample-requests.ts";

describe("buildRequestBody sends only the keys that were set", () => {
  const cases = [
    {
      name: "pixflux with only the required fields",
      request: sampleRequest("generate-image-pixflux"),
      expected: { description: "a tiny knight", image_size: { width: 32, height: 32 } },
    },
    {
      name: "pixflux with non-default values (false and 0 kept when they differ from the default)",
      request: sampleRequest("generate-image-pixflux", {
        no_background: true,
        seed: 0,
        outline: "lineless",
        text_guidance_scale: 8,
      }),
      expected: {
        description: "a tiny knight",
        image_size: { width: 32, height: 32 },
        no_background: true,
        seed: 0,
        outline: "lineless",
      },
    },
    {
      name: "explicit null against a non-null default is kept (rotate's from_view)",
      request: sampleRequest("rotate", { from_view: null, to_direction: "east", seed: null }),
      expected: {
        image_size: { width: 32, height: 32 },
        from_image: { type: "base64", base64: samplePngBase64(), format: "png" },
        from_view: null,
      },
    },
    {
      name: "animate-with-text drops the four-nulls default and seed 0",
      request: sampleRequest("animate-with-text", {
        inpainting_images: [null, null, null, null],
        seed: 0,
        n_frames: 8,
      }),
      expected: {
        description: "a tiny knight",
        action: "walk",
        image_size: { width: 64, height: 64 },
        reference_image: { type: "base64", base64: samplePngBase64(64, 64), format: "png" },
        n_frames: 8,
      },
    },
  ];
  it.each(cases)("$name", ({ request, expected }) => {
    expect(buildRequestBody(request)).toEqual(expected);
  });
});

describe("expectedOutput", () => {
  const cases = [
    {
      name: "pixflux",
      request: sampleRequest("generate-image-pixflux", { image_size: { width: 40, height: 24 } }),
      expected: { width: 40, height: 24, frameCounts: [1] },
    },
    {
      name: "rotate",
      request: sampleRequest("rotate"),
      expected: { width: 32, height: 32, frameCounts: [1] },
    },
    {
      name: "animation, default n_frames",
      request: sampleRequest("animate-with-text"),
      expected: { width: 64, height: 64, frameCounts: [4] },
    },
    {
      name: "animation, n_frames 8",
      request: sampleRequest("animate-with-text", { n_frames: 8 }),
      expected: { width: 64, height: 64, frameCounts: [4, 8] },
    },
  ];
  it.each(cases)("$name", ({ request, expected }) => {
    expect(expectedOutput(request)).toEqual(expected);
  });
});

describe("endpoints", () => {
  const cases = [
    {
      name: "v1 pixflux",
      base: "https://api.pixellab.ai/v1",
      op: "generate-image-pixflux",
      url: "https://api.pixellab.ai/v1/generate-image-pixflux",
    },
    {
      name: "v2 pixflux is renamed",
      base: "https://api.pixellab.ai/v2",
      op: "generate-image-pixflux",
      url: "https://api.pixellab.ai/v2/create-image-pixflux",
    },
    {
      name: "v2 bitforge is renamed",
      base: "http://127.0.0.1:8790/v2",
      op: "generate-image-bitforge",
      url: "http://127.0.0.1:8790/v2/create-image-bitforge",
    },
    {
      name: "v2 rotate keeps its name",
      base: "http://127.0.0.1:8790/v2",
      op: "rotate",
      url: "http://127.0.0.1:8790/v2/rotate",
    },
  ] as const;
  it.each(cases)("$name", ({ base, op, url }) => {
    expect(operationUrl(base, op)).toBe(url);
  });

  const jobCases = [
    {
      name: "beside v1",
      base: "https://api.pixellab.ai/v1",
      url: "https://api.pixellab.ai/v2/background-jobs/j%2F1",
    },
    {
      name: "under v2",
      base: "https://api.pixellab.ai/v2",
      url: "https://api.pixellab.ai/v2/background-jobs/j%2F1",
    },
    {
      name: "prefixed proxy",
      base: "http://proxy/pixellab/v1",
      url: "http://proxy/pixellab/v2/background-jobs/j%2F1",
    },
    {
      name: "no version segment",
      base: "http://127.0.0.1:8790",
      url: "http://127.0.0.1:8790/v2/background-jobs/j%2F1",
    },
  ];
  it.each(jobCases)("background job URL $name", ({ base, url }) => {
    expect(backgroundJobUrl(base, "j/1")).toBe(url);
  });

  it.each([
    { name: "v1", base: "https://api.pixellab.ai/v1", version: "v1" },
    { name: "v2 with trailing slash", base: "https://api.pixellab.ai/v2/", version: "v2" },
  ])("apiVersion $name", ({ base, version }) => {
    expect(apiVersion(base)).toBe(version);
  });
});
