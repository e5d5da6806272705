import {
  validateOperationRequest,
  type NormalisedRequest,
  type OperationName,
} from "../../../shared/operations/operations.ts";
import { encodePng } from "./png-encoder.ts";
import { renderSprite } from "./sprite-art.ts";

/** A small real PNG as raw base64, for `from_image`/`reference_image` fields. Deterministic. */
export function samplePngBase64(width = 32, height = 32, seed = "sample"): string {
  return encodePng(renderSprite({ seed, width, height, transparent: true, frame: 0 }), {
    alpha: true,
  }).toString("base64");
}

/** The smallest valid input of each operation (raw, before normalisation). */
export function sampleInput(
  operation: OperationName,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const image = { type: "base64", base64: samplePngBase64(), format: "png" };
  const base: Record<OperationName, Record<string, unknown>> = {
    "generate-image-pixflux": { description: "a tiny knight", image_size: { width: 32, height: 32 } },
    "generate-image-bitforge": { description: "a tiny wizard", image_size: { width: 32, height: 32 } },
    rotate: { image_size: { width: 32, height: 32 }, from_image: image },
    "animate-with-text": {
      description: "a tiny knight",
      action: "walk",
      image_size: { width: 64, height: 64 },
      reference_image: { type: "base64", base64: samplePngBase64(64, 64), format: "png" },
    },
  };
  return { ...base[operation], ...overrides };
}

/**
 * A validated request, as the queue hands it to the PixelLab client. Throws when `overrides` make it
 * invalid, so a test's typo fails loudly instead of testing something else.
 */
export function sampleRequest(
  operation: OperationName,
  overrides: Record<string, unknown> = {},
): NormalisedRequest {
  const result = validateOperationRequest(operation, sampleInput(operation, overrides));
  if (!result.ok) throw new Error(`invalid sample request: ${JSON.stringify(result.errors)}`);
  return result.value;
}
