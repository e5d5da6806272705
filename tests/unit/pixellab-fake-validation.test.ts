import { describe, expect, it } from "vitest";
import { validateBody } from "../tools/pixellab-fake/validation.ts";
import { sampleInput } from "../tools/pixellab-fake/sample-requests.ts";

const pixflux = (changes: Record<string, unknown>) => sampleInput("generate-image-pixflux", changes);

describe("validateBody answers like FastAPI/pydantic v2", () => {
  const cases = [
    {
      name: "missing required field",
      body: { image_size: { width: 32, height: 32 } },
      entry: {
        type: "missing",
        loc: ["body", "description"],
        msg: "Field required",
        input: { image_size: { width: 32, height: 32 } },
      },
    },
    {
      name: "unknown key, even null",
      body: pixflux({ forced_palette: null }),
      entry: {
        type: "extra_forbidden",
        loc: ["body", "forced_palette"],
        msg: "Extra inputs are not permitted",
        input: null,
      },
    },
    {
      name: "below range",
      body: pixflux({ image_size: { width: 8, height: 32 } }),
      entry: {
        type: "greater_than_equal",
        loc: ["body", "image_size", "width"],
        msg: "Input should be greater than or equal to 16",
        input: 8,
        ctx: { ge: 16 },
      },
    },
    {
      name: "above range",
      body: pixflux({ text_guidance_scale: 21 }),
      entry: {
        type: "less_than_equal",
        loc: ["body", "text_guidance_scale"],
        msg: "Input should be less than or equal to 20",
        input: 21,
        ctx: { le: 20 },
      },
    },
    {
      name: "enum",
      body: pixflux({ view: "front" }),
      entry: {
        type: "literal_error",
        loc: ["body", "view"],
        msg: "Input should be 'side', 'low top-down' or 'high top-down'",
        input: "front",
        ctx: { expected: "'side', 'low top-down' or 'high top-down'" },
      },
    },
    {
      name: "int type",
      body: pixflux({ seed: "7" }),
      entry: { type: "int_type", loc: ["body", "seed"], msg: "Input should be a valid integer", input: "7" },
    },
    {
      name: "int from float",
      body: pixflux({ init_image_strength: 2.5 }),
      entry: {
        type: "int_from_float",
        loc: ["body", "init_image_strength"],
        msg: "Input should be a valid integer, got a number with a fractional part",
        input: 2.5,
      },
    },
    {
      name: "float type",
      body: pixflux({ text_guidance_scale: "high" }),
      entry: {
        type: "float_type",
        loc: ["body", "text_guidance_scale"],
        msg: "Input should be a valid number",
        input: "high",
      },
    },
    {
      name: "string type",
      body: pixflux({ description: 5 }),
      entry: {
        type: "string_type",
        loc: ["body", "description"],
        msg: "Input should be a valid string",
        input: 5,
      },
    },
    {
      name: "bool type",
      body: pixflux({ isometric: "yes" }),
      entry: {
        type: "bool_type",
        loc: ["body", "isometric"],
        msg: "Input should be a valid boolean",
        input: "yes",
      },
    },
    {
      name: "string too long",
      body: pixflux({ description: "x".repeat(2001) }),
      entry: {
        type: "string_too_long",
        loc: ["body", "description"],
        msg: "String should have at most 2000 characters",
        input: "x".repeat(2001),
        ctx: { max_length: 2000 },
      },
    },
    {
      name: "animate frame side must be 64",
      operation: "animate-with-text" as const,
      body: sampleInput("animate-with-text", { image_size: { width: 32, height: 64 } }),
      entry: {
        type: "literal_error",
        loc: ["body", "image_size", "width"],
        msg: "Input should be 64",
        input: 32,
        ctx: { expected: "64" },
      },
    },
    {
      name: "image that is not base64",
      operation: "rotate" as const,
      body: sampleInput("rotate", { from_image: { type: "base64", base64: "***" } }),
      entry: {
        type: "value_error",
        loc: ["body", "from_image", "base64"],
        msg: "Value error, is not valid base64",
        input: "***",
        ctx: { error: "is not valid base64" },
      },
    },
  ];
  it.each(cases)("$name", ({ operation, body, entry }) => {
    const result = validateBody(operation ?? "generate-image-pixflux", body);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.detail).toEqual([entry]);
  });

  it("accepts a valid body and normalises it", () => {
    const result = validateBody("generate-image-bitforge", sampleInput("generate-image-bitforge"));
    expect(result.ok && result.request.input).toMatchObject({
      description: "a tiny wizard",
      style_strength: 0,
    });
  });

  it("reports every problem at once", () => {
    const result = validateBody("generate-image-pixflux", {
      description: 1,
      image_size: { width: 1, height: 999 },
      bogus: true,
    });
    expect(result.ok ? [] : result.detail.map((d) => d.type).sort()).toEqual(
      ["extra_forbidden", "greater_than_equal", "less_than_equal", "string_type"].sort(),
    );
  });
});
