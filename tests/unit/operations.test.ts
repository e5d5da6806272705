import { describe, expect, it } from "vitest";
import { OPERATION_NAMES, validateOperationRequest } from "../../shared/operations/operations.ts";

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const image = { type: "base64", base64: PNG };
const normalisedImage = { type: "base64", base64: PNG, format: "png" };
const size = (width: number, height: number) => ({ image_size: { width, height } });
const FOUR_NULLS = [null, null, null, null];

const PIX = "generate-image-pixflux";
const BIT = "generate-image-bitforge";
const ROT = "rotate";
const ANI = "animate-with-text";

/** The smallest valid input of each operation. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  [PIX]: { description: "a knight", ...size(64, 64) },
  [BIT]: { description: "a knight", ...size(64, 64) },
  [ROT]: { ...size(64, 64), from_image: image },
  [ANI]: { ...size(64, 64), description: "a knight", action: "walk", reference_image: image },
};

function validate(operation: string, patch: Record<string, unknown>) {
  return validateOperationRequest(operation, { ...MINIMAL[operation], ...patch });
}
function problems(operation: string, patch: Record<string, unknown>) {
  const result = validate(operation, patch);
  return result.ok ? [] : result.errors;
}

describe("validateOperationRequest: operation", () => {
  it("knows exactly the four PixelLab endpoint names", () => {
    expect(OPERATION_NAMES).toEqual([PIX, BIT, ROT, ANI]);
  });

  it.each([
    { name: "an unknown operation", operation: "inpaint" },
    { name: "a non-string operation", operation: 42 },
    { name: "a prototype key", operation: "toString" },
  ])("rejects $name with a problem at `operation`", ({ operation }) => {
    expect(validateOperationRequest(operation, MINIMAL[PIX])).toEqual({
      ok: false,
      errors: [{ path: "operation", message: expect.stringContaining(PIX) }],
    });
  });
});

describe("validateOperationRequest: defaults from the reference", () => {
  it.each([
    { name: "pixflux text guidance 8", op: PIX, field: "text_guidance_scale", value: 8 },
    { name: "pixflux negative text empty", op: PIX, field: "negative_description", value: "" },
    { name: "pixflux style enums null", op: PIX, field: "outline", value: null },
    { name: "pixflux flags false", op: PIX, field: "no_background", value: false },
    {
      name: "pixflux simple background removal",
      op: PIX,
      field: "background_removal_task",
      value: "remove_simple_background",
    },
    { name: "pixflux strength 300", op: PIX, field: "init_image_strength", value: 300 },
    { name: "pixflux images null", op: PIX, field: "color_image", value: null },
    { name: "pixflux seed null", op: PIX, field: "seed", value: null },
    { name: "bitforge text guidance 8", op: BIT, field: "text_guidance_scale", value: 8 },
    { name: "bitforge extra guidance 3", op: BIT, field: "extra_guidance_scale", value: 3 },
    { name: "bitforge style strength 0", op: BIT, field: "style_strength", value: 0 },
    { name: "bitforge skeleton guidance 1", op: BIT, field: "skeleton_guidance_scale", value: 1 },
    { name: "bitforge keypoints null", op: BIT, field: "skeleton_keypoints", value: null },
    { name: "bitforge coverage null", op: BIT, field: "coverage_percentage", value: null },
    { name: "bitforge mask null", op: BIT, field: "mask_image", value: null },
    { name: "rotate image guidance 3", op: ROT, field: "image_guidance_scale", value: 3 },
    { name: "rotate changes null", op: ROT, field: "view_change", value: null },
    { name: "rotate from view side", op: ROT, field: "from_view", value: "side" },
    { name: "rotate from south", op: ROT, field: "from_direction", value: "south" },
    { name: "rotate to east", op: ROT, field: "to_direction", value: "east" },
    { name: "rotate image normalised", op: ROT, field: "from_image", value: normalisedImage },
    { name: "animate image guidance 1.4", op: ANI, field: "image_guidance_scale", value: 1.4 },
    { name: "animate 4 frames", op: ANI, field: "n_frames", value: 4 },
    { name: "animate start frame 0", op: ANI, field: "start_frame_index", value: 0 },
    { name: "animate view side", op: ANI, field: "view", value: "side" },
    { name: "animate direction east", op: ANI, field: "direction", value: "east" },
    { name: "animate init images null", op: ANI, field: "init_images", value: null },
    { name: "animate inpainting four nulls", op: ANI, field: "inpainting_images", value: FOUR_NULLS },
    { name: "animate masks four nulls", op: ANI, field: "mask_images", value: FOUR_NULLS },
    { name: "animate seed 0", op: ANI, field: "seed", value: 0 },
  ])("$name", ({ op, field, value }) => {
    const result = validate(op, {});
    expect(result).toMatchObject({ ok: true, value: { operation: op, input: { [field]: value } } });
  });
});

describe("validateOperationRequest: ranges", () => {
  it.each([
    { name: "pixflux side 16", op: PIX, patch: size(16, 16) },
    { name: "pixflux side 400", op: PIX, patch: size(400, 400) },
    { name: "bitforge side 200", op: BIT, patch: size(200, 16) },
    { name: "guidance 1", op: PIX, patch: { text_guidance_scale: 1 } },
    { name: "guidance 20", op: BIT, patch: { text_guidance_scale: 20 } },
    { name: "strength 1", op: PIX, patch: { init_image_strength: 1 } },
    { name: "strength 999", op: ROT, patch: { init_image_strength: 999 } },
    { name: "enum values", op: PIX, patch: { outline: "lineless", direction: "north-west" } },
    { name: "data-URI image", op: ROT, patch: { from_image: { base64: `data:image/png;base64,${PNG}` } } },
    { name: "mask with init image", op: ROT, patch: { init_image: image, mask_image: image } },
    { name: "explicit nulls", op: BIT, patch: { seed: null, shading: null } },
    { name: "keypoint", op: BIT, patch: { skeleton_keypoints: [{ x: 1, y: 2, label: "NECK" }] } },
    { name: "n_frames 20", op: ANI, patch: { n_frames: 20 } },
  ])("accepts $name", ({ op, patch }) => {
    expect(problems(op, patch)).toEqual([]);
  });

  it.each([
    { name: "pixflux side 15", op: PIX, patch: size(15, 64), path: "input.image_size.width" },
    { name: "pixflux side 401", op: PIX, patch: size(64, 401), path: "input.image_size.height" },
    { name: "bitforge side 201", op: BIT, patch: size(201, 64), path: "input.image_size.width" },
    { name: "rotate side 201", op: ROT, patch: size(64, 201), path: "input.image_size.height" },
    { name: "animate side 32", op: ANI, patch: size(32, 64), path: "input.image_size.width" },
    { name: "fractional side", op: PIX, patch: size(64.5, 64), path: "input.image_size.width" },
    { name: "guidance 0.5", op: PIX, patch: { text_guidance_scale: 0.5 }, path: "input.text_guidance_scale" },
    { name: "guidance 21", op: ANI, patch: { text_guidance_scale: 21 }, path: "input.text_guidance_scale" },
    { name: "strength 0", op: PIX, patch: { init_image_strength: 0 }, path: "input.init_image_strength" },
    {
      name: "strength 1000",
      op: BIT,
      patch: { init_image_strength: 1000 },
      path: "input.init_image_strength",
    },
    { name: "negative seed", op: PIX, patch: { seed: -1 }, path: "input.seed" },
    { name: "blank description", op: PIX, patch: { description: " \n\t " }, path: "input.description" },
    {
      name: "description of 2001",
      op: BIT,
      patch: { description: "x".repeat(2001) },
      path: "input.description",
    },
    { name: "missing description", op: PIX, patch: { description: undefined }, path: "input.description" },
    { name: "bad enum", op: PIX, patch: { shading: "no shading" }, path: "input.shading" },
    { name: "view_change 91", op: ROT, patch: { view_change: 91 }, path: "input.view_change" },
    { name: "n_frames 1", op: ANI, patch: { n_frames: 1 }, path: "input.n_frames" },
    {
      name: "bad keypoint label",
      op: BIT,
      patch: { skeleton_keypoints: [{ x: 1, y: 2, label: "TAIL" }] },
      path: "input.skeleton_keypoints.0.label",
    },
    {
      name: "image not base64",
      op: ROT,
      patch: { from_image: { base64: "not base64!" } },
      path: "input.from_image.base64",
    },
    {
      name: "image not a picture",
      op: ROT,
      patch: { from_image: { base64: "aGVsbG8=" } },
      path: "input.from_image.base64",
    },
    { name: "empty image", op: ROT, patch: { from_image: { base64: "" } }, path: "input.from_image.base64" },
    {
      name: "image type url",
      op: ROT,
      patch: { from_image: { type: "url", base64: PNG } },
      path: "input.from_image.type",
    },
    {
      name: "bad frame image",
      op: ANI,
      patch: { init_images: [image, { base64: "@@" }] },
      path: "input.init_images.1.base64",
    },
    { name: "mask without init", op: ROT, patch: { mask_image: image }, path: "input.mask_image" },
  ])("rejects $name at $path", ({ op, patch, path }) => {
    expect(problems(op, patch)).toContainEqual({ path, message: expect.stringMatching(/\S/) });
  });
});

describe("validateOperationRequest: unknown keys and problem lists", () => {
  it.each([
    { name: "top-level key", op: PIX, patch: { forced_palette: null }, path: "input.forced_palette" },
    {
      name: "pixflux-only key on bitforge",
      op: BIT,
      patch: { background_removal_task: "x" },
      path: "input.background_removal_task",
    },
    {
      name: "key in image_size",
      op: PIX,
      patch: { image_size: { width: 64, height: 64, depth: 1 } },
      path: "input.image_size.depth",
    },
    {
      name: "key in an image",
      op: ROT,
      patch: { from_image: { ...image, url: "x" } },
      path: "input.from_image.url",
    },
  ])("rejects an unknown $name", ({ op, patch, path }) => {
    expect(problems(op, patch)).toEqual([{ path, message: "unknown field" }]);
  });

  it("reports every problem, not only the first", () => {
    const found = problems(PIX, { description: "", ...size(8, 800), seed: 1.5, extra: true });
    expect(found.map((p) => p.path).sort()).toEqual([
      "input.description",
      "input.extra",
      "input.image_size.height",
      "input.image_size.width",
      "input.seed",
    ]);
  });

  it.each([
    { name: "a string", input: "a knight" },
    { name: "null", input: null },
    { name: "an array", input: [] },
  ])("rejects an input that is $name with a problem at `input`", ({ input }) => {
    expect(validateOperationRequest(ROT, input)).toEqual({
      ok: false,
      errors: [{ path: "input", message: expect.any(String) }],
    });
  });
});

describe("validateOperationRequest: normalisation", () => {
  const split = `${PNG.slice(0, 10)}\n ${PNG.slice(10)}`;
  it.each([
    {
      name: "text is trimmed and collapsed",
      patch: { description: "  a \n knight\t " },
      field: "description",
      value: "a knight",
    },
    {
      name: "image whitespace is dropped",
      patch: { init_image: { base64: split } },
      field: "init_image",
      value: normalisedImage,
    },
    {
      name: "format comes from the bytes",
      patch: { color_image: { base64: PNG, format: "jpg" } },
      field: "color_image",
      value: normalisedImage,
    },
  ])("$name", ({ patch, field, value }) => {
    expect(validate(PIX, patch)).toMatchObject({ ok: true, value: { input: { [field]: value } } });
  });
});
