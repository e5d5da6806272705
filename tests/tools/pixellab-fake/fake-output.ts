import type { NormalisedRequest } from "../../../shared/operations/operations.ts";
import { encodePng } from "./png-encoder.ts";
import { renderSprite } from "./sprite-art.ts";
import { requestHash } from "./stats.ts";

/**
 * Frames the fake returns for animate-with-text: always 4, whatever `n_frames` says. The schema text
 * says "the model will always generate 4 frames", PY1's test expects 4, and the reference's own advice
 * for a fake (§6) is "4 frames for the animate endpoints"; the client accepts 4 or `n_frames`.
 */
export const FAKE_ANIMATION_FRAMES = 4;

/** How the images of a successful call are spoiled, to exercise the client's checks. */
export type ImageDefect = "none" | "malformed" | "wrong_size";

/** A `Base64Image` as PixelLab sends it. */
export interface Base64ImageBody {
  type: "base64";
  base64: string;
  format: "png";
}

/**
 * The images PixelLab would return for `request`: real PNGs of exactly `image_size`, drawn from the
 * hash of the normalised request (so the same request and seed give the same bytes, and a different
 * seed different ones). RGBA with a transparent background when `no_background` is set, and always for
 * rotate and animations (sprites meant to be composited); RGB otherwise.
 */
export function fakeImages(
  request: NormalisedRequest,
  defect: ImageDefect,
  dataUri: boolean,
): Base64ImageBody[] {
  const seed = requestHash(request);
  const input = request.input;
  const frames = request.operation === "animate-with-text" ? FAKE_ANIMATION_FRAMES : 1;
  const transparent = "no_background" in input ? input.no_background : true;
  const shrink = defect === "wrong_size" ? 2 : 1;
  const width = Math.max(1, Math.floor(input.image_size.width / shrink));
  const height = Math.max(1, Math.floor(input.image_size.height / shrink));
  return Array.from({ length: frames }, (_, frame) => {
    const png = encodePng(renderSprite({ seed, width, height, transparent, frame }), { alpha: transparent });
    const bytes = defect === "malformed" ? corrupt(png) : png;
    const base64 = bytes.toString("base64");
    return { type: "base64", base64: dataUri ? `data:image/png;base64,${base64}` : base64, format: "png" };
  });
}

/** What a call reports as its cost: v1 bills in USD, v2 subscription accounts in generations (§2). */
export function fakeUsage(version: "v1" | "v2"): unknown {
  return version === "v1" ? { type: "usd", usd: 0.01 } : { type: "generations", generations: 1 };
}

/** Keeps the signature and IHDR (so it still looks like a PNG) and garbles the rest, as a bad proxy might. */
function corrupt(png: Buffer): Buffer {
  const headerEnd = 8 + 25; // signature + the IHDR chunk (12 bytes framing + 13 bytes data)
  return Buffer.concat([png.subarray(0, headerEnd), Buffer.from("this is not image data")]);
}
