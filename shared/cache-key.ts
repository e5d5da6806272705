import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";
import type { NormalisedRequest } from "./operations/operations.ts";

/**
 * The content address of a generation: lowercase hex SHA-256 of the canonical JSON of
 * `{operation, input}` after normalisation. Used for the shared result cache and per-user dedup.
 */
export function cacheKey(request: NormalisedRequest): string {
  const canonical = canonicalJson({ operation: request.operation, input: request.input });
  return createHash("sha256").update(canonical).digest("hex");
}
