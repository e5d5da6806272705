import { z } from "zod";
import { base64Image, optionalImage } from "./base64-image.ts";
import { CAMERA_VIEWS, DIRECTIONS, guidance, imageSize, imageStrength, seed } from "./fields.ts";

/**
 * `POST /v1/rotate`, reference §3.4: turns `from_image` to another view or direction. Each side
 * 16..200 px; angles in degrees (view −90..90, direction −180..180).
 */
export const rotateInput = z
  .strictObject({
    image_size: imageSize(16, 200),
    from_image: base64Image,
    image_guidance_scale: guidance(1, 20, 3),
    view_change: z.int().min(-90).max(90).nullable().default(null),
    direction_change: z.int().min(-180).max(180).nullable().default(null),
    from_view: z.enum(CAMERA_VIEWS).nullable().default("side"),
    to_view: z.enum(CAMERA_VIEWS).nullable().default("side"),
    from_direction: z.enum(DIRECTIONS).nullable().default("south"),
    to_direction: z.enum(DIRECTIONS).nullable().default("east"),
    isometric: z.boolean().default(false),
    oblique_projection: z.boolean().default(false),
    init_image: optionalImage,
    init_image_strength: imageStrength,
    mask_image: optionalImage,
    color_image: optionalImage,
    seed: seed.nullable().default(null),
  })
  .check((ctx) => {
    // PixelLab only reads a mask together with the image it masks.
    if (ctx.value.mask_image !== null && ctx.value.init_image === null) {
      ctx.issues.push({
        code: "custom",
        message: "mask_image needs init_image",
        input: ctx.value.mask_image,
        path: ["mask_image"],
      });
    }
  });

export type RotateInput = z.output<typeof rotateInput>;
