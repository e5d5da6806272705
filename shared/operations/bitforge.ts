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
  point,
  seed,
  text,
} from "./fields.ts";

/**
 * A skeleton has 18 labelled joints; 1,000 points leaves room for any pose. The bound keeps the job
 * document inside Firestore's 1 MiB: the stored-size estimate is the JSON length, and a keypoint costs
 * about 41 bytes of JSON (`{"x":0,...}`) but 47 or more in Firestore (8 bytes a number, every field
 * name counted per element). Unbounded, 22,400 keypoints passed the estimate and failed the write (503).
 */
const MAX_KEYPOINTS = 1_000;

/**
 * `POST /v1/generate-image-bitforge` (v2: `create-image-bitforge`), reference §3.3. Like pixflux but
 * each side 16..200 px, no `background_removal_task`, and style/inpainting/skeleton guidance fields.
 */
export const bitforgeInput = z.strictObject({
  description: text({ min: 1, max: 2000 }),
  image_size: imageSize(16, 200),
  negative_description: text({ max: 2000 }).default(""),
  text_guidance_scale: guidance(1, 20, 8),
  extra_guidance_scale: guidance(0, 20, 3),
  style_strength: z.number().min(0).max(100).default(0),
  outline: optionalEnum(OUTLINES),
  shading: optionalEnum(SHADINGS),
  detail: optionalEnum(DETAILS),
  view: optionalEnum(CAMERA_VIEWS),
  direction: optionalEnum(DIRECTIONS),
  isometric: z.boolean().default(false),
  oblique_projection: z.boolean().default(false),
  no_background: z.boolean().default(false),
  coverage_percentage: z.number().min(0).max(100).nullable().default(null),
  init_image: optionalImage,
  init_image_strength: imageStrength,
  style_image: optionalImage,
  inpainting_image: optionalImage,
  /** White pixels mark the area to inpaint. */
  mask_image: optionalImage,
  color_image: optionalImage,
  skeleton_guidance_scale: guidance(0, 5, 1),
  skeleton_keypoints: z.array(point).max(MAX_KEYPOINTS).nullable().default(null),
  seed: seed.nullable().default(null),
});

export type BitforgeInput = z.output<typeof bitforgeInput>;
