import { z } from "zod";
import { base64Image, optionalImage } from "./base64-image.ts";
import { CAMERA_VIEWS, DIRECTIONS, guidance, imageStrength, seed, text } from "./fields.ts";

/** The model behind `animate-with-text` works on 64×64 frames only (min = max = 64 in the schema). */
const FRAME_SIDE = z.literal(64, { error: "must be 64 (animate-with-text works on 64×64 frames)" });

/**
 * `POST /v1/animate-with-text`, reference §3.5: animates `reference_image` doing `action`.
 * `n_frames` 2..20 (default 4), `start_frame_index` 0..20, `seed` 0 = random (default 0).
 */
export const animateWithTextInput = z.strictObject({
  image_size: z.strictObject({ width: FRAME_SIDE, height: FRAME_SIDE }),
  description: text({ min: 1, max: 2000 }),
  action: text({ min: 1, max: 500 }),
  reference_image: base64Image,
  negative_description: text({ max: 2000 }).default(""),
  text_guidance_scale: guidance(1, 20, 8),
  image_guidance_scale: guidance(1, 20, 1.4),
  n_frames: z.int().min(2).max(20).default(4),
  start_frame_index: z.int().min(0).max(20).default(0),
  view: z.enum(CAMERA_VIEWS).default("side"),
  direction: z.enum(DIRECTIONS).default("east"),
  init_images: z.array(base64Image).max(20).nullable().default(null),
  init_image_strength: imageStrength,
  inpainting_images: z.array(base64Image.nullable()).max(20).default([null, null, null, null]),
  // Reference §3.5: like inpainting_images, `(Base64Image | null)[]` defaulting to four nulls.
  mask_images: z.array(base64Image.nullable()).max(20).default([null, null, null, null]),
  color_image: optionalImage,
  seed: seed.default(0),
});

export type AnimateWithTextInput = z.output<typeof animateWithTextInput>;
