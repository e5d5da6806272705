import { z } from "zod";

/**
 * Field types shared by PixelLab's request models (reference §2). Every object is strict: PixelLab's v2
 * models set `additionalProperties:false` and answer an unknown key with 422 `extra_forbidden`, so we
 * refuse it up front instead of paying a round trip to learn the same.
 */

/** A UTF-16 code unit of a surrogate pair standing alone (with the `u` flag a whole pair is one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Free text, trimmed and with inner whitespace collapsed, so "a  knight " and "a knight" are one request.
 * Text must be well-formed Unicode: JSON can carry a lone surrogate (`"\ud83d"`), but it has no UTF-8
 * form, so Firestore refuses to store it and the cache key would hash it as U+FFFD (one key for two texts).
 */
export function text(options: { min?: number; max: number }) {
  const collapsed = z
    .string()
    .refine((s) => !LONE_SURROGATE.test(s), "must be valid Unicode text (no unpaired surrogates)")
    .overwrite((s) => s.replace(/\s+/g, " ").trim());
  const withMin = options.min === undefined ? collapsed : collapsed.min(options.min, "must not be empty");
  return withMin.max(options.max, `must be at most ${options.max} characters`);
}

/** `{width, height}` in pixels, each side within [min, max] (limits differ per endpoint). */
export function imageSize(min: number, max: number) {
  const side = z.int().min(min).max(max);
  return z.strictObject({ width: side, height: side });
}

export const OUTLINES = [
  "single color black outline",
  "single color outline",
  "selective outline",
  "lineless",
] as const;
export const SHADINGS = [
  "flat shading",
  "basic shading",
  "medium shading",
  "detailed shading",
  "highly detailed shading",
] as const;
export const DETAILS = ["low detail", "medium detail", "highly detailed"] as const;
export const CAMERA_VIEWS = ["side", "low top-down", "high top-down"] as const;
export const DIRECTIONS = [
  "north",
  "north-east",
  "east",
  "south-east",
  "south",
  "south-west",
  "west",
  "north-west",
] as const;
export const SKELETON_LABELS = [
  "NOSE",
  "NECK",
  "RIGHT SHOULDER",
  "RIGHT ELBOW",
  "RIGHT ARM",
  "LEFT SHOULDER",
  "LEFT ELBOW",
  "LEFT ARM",
  "RIGHT HIP",
  "RIGHT KNEE",
  "RIGHT LEG",
  "LEFT HIP",
  "LEFT KNEE",
  "LEFT LEG",
  "RIGHT EYE",
  "LEFT EYE",
  "RIGHT EAR",
  "LEFT EAR",
] as const;

/** An optional enum whose absence PixelLab reads as "no guidance" (null). */
export function optionalEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values).nullable().default(null);
}

/** `init_image_strength` and friends: an integer 1..999, default 300 (the SDK docstrings' 0-1000 is wrong). */
export const imageStrength = z.int().min(1).max(999).default(300);

/** A guidance scale within [min, max] with PixelLab's default. */
export function guidance(min: number, max: number, fallback: number) {
  return z.number().min(min).max(max).default(fallback);
}

/** Seeds are non-negative integers; 0 and null mean "random" to PixelLab, but we keep them as sent. */
export const seed = z
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** A skeleton keypoint (bitforge's `skeleton_keypoints`). */
export const point = z.strictObject({
  x: z.number(),
  y: z.number(),
  label: z.enum(SKELETON_LABELS),
  z_index: z.number().default(0),
});
