import { cacheKey } from "../../shared/cache-key.ts";
import { validateOperationRequest } from "../../shared/operations/operations.ts";

/** A valid 1×1 PNG, base64. */
export const TINY_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** A pixflux submission body. */
export function pixfluxBody(description: string, extra: Record<string, unknown> = {}, options?: unknown) {
  return {
    operation: "generate-image-pixflux",
    input: { description, image_size: { width: 64, height: 64 }, ...extra },
    ...(options !== undefined && { options }),
  };
}

/** The cache key the API computes for a body (throws if the body is invalid). */
export function cacheKeyOf(body: { operation: string; input: unknown }): string {
  const validated = validateOperationRequest(body.operation, body.input);
  if (!validated.ok) throw new Error(`invalid fixture: ${JSON.stringify(validated.errors)}`);
  return cacheKey(validated.value);
}
