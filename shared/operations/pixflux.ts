import { z } from "zod";
import { optionalImage } from "./base64-image.ts";
import {
  CAMERA_VIEWS,
  DETAILS,
  DIRECTIONS,
  OUTLINES,
  SHADINGS,
  guidance,
  imageSize,
  imageStrength,
  optionalEnum,
  seed,
  text,
} from "./fields.ts";

/**
 * `POST /v1/generate-image-pixflux` (v2: `create-image-pixflux`), reference §3.2. Limits: each side
 * 16..400 px; `text_guidance_scale` 1..20 (default 8); `init_image_strength` 1..999 (default 300).
 * PixelLab sets no description limit; 2000 characters is the longest any of its endpoints accepts.
 */
export const pixfluxInput = z.strictObject({
  description: text({ min: 1, max: 2000 }),
  image_size: imageSize(16, 400),
  negative_description: text({ max: 2000 }).default(""),
  text_guidance_scale: guidance(1, 20, 8),
  outline: optionalEnum(OUTLINES),
  shading: optionalEnum(SHADINGS),
  detail: optionalEnum(DETAILS),
  view: optionalEnum(CAMERA_VIEWS),
  direction: optionalEnum(DIRECTIONS),
  isometric: z.boolean().default(false),
  no_background: z.boolean().default(false),
  background_removal_task: z
    .enum(["remove_simple_background", "remove_complex_background"])
    .default("remove_simple_background"),
  init_image: optionalImage,
  init_image_strength: imageStrength,
  color_image: optionalImage,
  seed: seed.nullable().default(null),
});

export type PixfluxInput = z.output<typeof pixfluxInput>;
