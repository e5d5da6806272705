import type { NormalisedRequest } from "../operations/operations.ts";
import type { ExpectedOutput } from "./response-decoding.ts";

/**
 * The animate-with-text frame count every source agrees on: the schema text says "the model will
 * always generate 4 frames" and PY1's test expects 4 (reference §3.5), although `n_frames` (2..20,
 * default 4) suggests otherwise.
 */
export const ANIMATION_FRAMES = 4;

/**
 * What a successful answer to `request` must contain: images of exactly `image_size`, one for the
 * single-image operations; for animate-with-text either 4 frames or `n_frames` frames, since the
 * sources disagree and a valid answer in either reading must not be rejected as malformed.
 */
export function expectedOutput(request: NormalisedRequest): ExpectedOutput {
  const { width, height } = request.input.image_size;
  if (request.operation !== "animate-with-text") return { width, height, frameCounts: [1] };
  const frameCounts = [...new Set([ANIMATION_FRAMES, request.input.n_frames])];
  return { width, height, frameCounts };
}
