import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cacheKey } from "../../shared/cache-key.ts";
import { canonicalJson } from "../../shared/canonical-json.ts";
import { validateOperationRequest } from "../../shared/operations/operations.ts";

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
// A different 1×1 PNG (one opaque red pixel).
const OTHER_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

const BASE = {
  description: "a knight",
  image_size: { width: 64, height: 64 },
  seed: 7,
  color_image: { type: "base64", base64: PNG },
};

function keyOf(input: unknown, operation = "generate-image-pixflux"): string {
  const result = validateOperationRequest(operation, input);
  if (!result.ok) throw new Error(`invalid test input: ${JSON.stringify(result.errors)}`);
  return cacheKey(result.value);
}

describe("canonicalJson", () => {
  it.each([
    { name: "sorts top-level keys", value: { b: 1, a: 2 }, json: '{"a":2,"b":1}' },
    {
      name: "sorts nested keys",
      value: { z: { y: 1, x: [{ d: 1, c: 2 }] } },
      json: '{"z":{"x":[{"c":2,"d":1}],"y":1}}',
    },
    { name: "keeps array order", value: [3, 1, 2], json: "[3,1,2]" },
    { name: "drops undefined members", value: { a: undefined, b: null }, json: '{"b":null}' },
    {
      name: "has no whitespace",
      value: { a: "x y", b: [1, { c: true }] },
      json: '{"a":"x y","b":[1,{"c":true}]}',
    },
    { name: "passes scalars through", value: "text", json: '"text"' },
  ])("$name", ({ value, json }) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it("gives the same bytes whatever order keys were written in", () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });
});

describe("cacheKey", () => {
  it("is the lowercase hex SHA-256 of the canonical JSON of {operation, input}", () => {
    const result = validateOperationRequest("generate-image-pixflux", BASE);
    if (!result.ok) throw new Error("invalid");
    const expected = createHash("sha256")
      .update(canonicalJson({ input: result.value.input, operation: "generate-image-pixflux" }))
      .digest("hex");
    expect(cacheKey(result.value)).toBe(expected);
    expect(cacheKey(result.value)).toMatch(/^[0-9a-f]{64}$/);
  });

  const sameMeaning = [
    {
      name: "keys reordered",
      input: {
        seed: 7,
        color_image: { base64: PNG, type: "base64" },
        image_size: { height: 64, width: 64 },
        description: "a knight",
      },
    },
    { name: "whitespace around and inside text", input: { ...BASE, description: "  a \n\t knight  " } },
    { name: "default text guidance spelled out", input: { ...BASE, text_guidance_scale: 8 } },
    { name: "null optional enum spelled out", input: { ...BASE, outline: null, view: null } },
    {
      name: "default strength and flags spelled out",
      input: { ...BASE, init_image_strength: 300, isometric: false, no_background: false },
    },
    {
      name: "default removal task spelled out",
      input: { ...BASE, background_removal_task: "remove_simple_background" },
    },
    { name: "absent image written as null", input: { ...BASE, init_image: null } },
    { name: "image type left to its default", input: { ...BASE, color_image: { base64: PNG } } },
    {
      name: "image as a data URI",
      input: { ...BASE, color_image: { base64: `data:image/png;base64,${PNG}` } },
    },
    { name: "image wrongly labelled", input: { ...BASE, color_image: { base64: PNG, format: "jpeg" } } },
    {
      name: "image with line breaks",
      input: { ...BASE, color_image: { base64: `${PNG.slice(0, 20)}\n${PNG.slice(20)}` } },
    },
  ];

  it.each(sameMeaning)("is unchanged by: $name", ({ input }) => {
    expect(keyOf(input)).toBe(keyOf(BASE));
  });

  const otherMeaning = [
    { name: "another seed", input: { ...BASE, seed: 8 } },
    { name: "no seed (random)", input: { ...BASE, seed: null } },
    { name: "another width", input: { ...BASE, image_size: { width: 65, height: 64 } } },
    { name: "width and height swapped", input: { ...BASE, image_size: { width: 64, height: 32 } } },
    { name: "another colour image", input: { ...BASE, color_image: { base64: OTHER_PNG } } },
    { name: "no colour image", input: { ...BASE, color_image: null } },
    { name: "another description", input: { ...BASE, description: "a knight!" } },
    { name: "description case", input: { ...BASE, description: "A knight" } },
    { name: "non-default guidance", input: { ...BASE, text_guidance_scale: 8.5 } },
    { name: "a style enum", input: { ...BASE, shading: "flat shading" } },
    { name: "transparent background", input: { ...BASE, no_background: true } },
  ];

  it.each(otherMeaning)("changes with: $name", ({ input }) => {
    expect(keyOf(input)).not.toBe(keyOf(BASE));
  });

  it("differs between operations given the same input", () => {
    expect(keyOf(BASE, "generate-image-bitforge")).not.toBe(keyOf(BASE, "generate-image-pixflux"));
  });

  it.each([
    {
      name: "animate-with-text: default frame lists spelled out",
      operation: "animate-with-text",
      input: {
        image_size: { width: 64, height: 64 },
        description: "a",
        action: "walk",
        reference_image: { base64: PNG },
      },
      spelled: {
        inpainting_images: [null, null, null, null],
        mask_images: [null, null, null, null],
        n_frames: 4,
        seed: 0,
      },
    },
    {
      name: "rotate: default views and directions spelled out",
      operation: "rotate",
      input: { image_size: { width: 64, height: 64 }, from_image: { base64: PNG } },
      spelled: {
        from_view: "side",
        to_view: "side",
        from_direction: "south",
        to_direction: "east",
        image_guidance_scale: 3,
      },
    },
  ])("$name gives the same key", ({ operation, input, spelled }) => {
    expect(keyOf({ ...input, ...spelled }, operation)).toBe(keyOf(input, operation));
  });
});
