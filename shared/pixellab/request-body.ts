import { z } from "zod";
import { canonicalJson } from "../canonical-json.ts";
import { OPERATIONS, type NormalisedRequest } from "../operations/operations.ts";

/**
 * Builds the JSON body PixelLab receives from a validated request, with only the keys that were set.
 *
 * A {@link NormalisedRequest} has every default filled in, so "set" is read as "differs from the
 * schema's default": a key whose value equals its default (deep equality) is left out, and PixelLab
 * applies the same default itself. Why: v2 request models forbid keys they do not know (422
 * `extra_forbidden`, even for null) and drop deprecated ones over time, so the fewer keys we send the
 * fewer we can be rejected for; and the body stays the same whichever defaults our schema spelled out.
 *
 * An explicit `null` that differs from a non-null default (rotate's `from_view: null` against the
 * default `"side"`) is kept: it means "no guidance", which leaving the key out would turn into the
 * default. Every other null is equal to its field's default (null) and so is left out. Pure.
 */
export function buildRequestBody(request: NormalisedRequest): Record<string, unknown> {
  const shape = OPERATIONS[request.operation].schema.shape as Record<string, z.ZodType>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.input)) {
    if (value === undefined) continue;
    const field = shape[key];
    if (field instanceof z.ZodDefault && sameJson(value, field.def.defaultValue)) continue;
    body[key] = value;
  }
  return body;
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
