import type { z } from "zod";
import type { FieldProblem } from "../errors.ts";
import { animateWithTextInput } from "./animate-with-text.ts";
import { bitforgeInput } from "./bitforge.ts";
import { pixfluxInput } from "./pixflux.ts";
import { rotateInput } from "./rotate.ts";

/**
 * The PixelLab operations the queue accepts, named by PixelLab's own v1 endpoint names, with the
 * schema of each one's input and the shape of its output.
 */
export const OPERATIONS = {
  "generate-image-pixflux": { schema: pixfluxInput, output: "image" },
  "generate-image-bitforge": { schema: bitforgeInput, output: "image" },
  rotate: { schema: rotateInput, output: "image" },
  "animate-with-text": { schema: animateWithTextInput, output: "images" },
} as const;

export type OperationName = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

export type OperationInput<O extends OperationName> = z.output<(typeof OPERATIONS)[O]["schema"]>;

/** A validated request in canonical form: defaults applied, text collapsed, images normalised. */
export type NormalisedRequest = {
  [O in OperationName]: { operation: O; input: OperationInput<O> };
}[OperationName];

export function isOperationName(value: unknown): value is OperationName {
  return typeof value === "string" && Object.hasOwn(OPERATIONS, value);
}

export type ValidationResult = { ok: true; value: NormalisedRequest } | { ok: false; errors: FieldProblem[] };

/**
 * Validates and normalises `input` for `operation`. Every problem is reported, each with a dotted
 * path from the request root (`input.image_size.width`) and a message; nothing is thrown.
 */
export function validateOperationRequest(operation: unknown, input: unknown): ValidationResult {
  if (!isOperationName(operation)) {
    const allowed = OPERATION_NAMES.join(", ");
    return { ok: false, errors: [{ path: "operation", message: `must be one of: ${allowed}` }] };
  }
  const parsed = OPERATIONS[operation].schema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: toFieldProblems(parsed.error.issues, ["input"]) };
  return { ok: true, value: { operation, input: parsed.data } as NormalisedRequest };
}

/** Flattens zod issues into one problem per field; an unknown key becomes a problem at that key. */
export function toFieldProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly string[] = []) {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        problems.push({ path: [...base, key].join("."), message: "unknown field" });
    } else {
      problems.push({ path: base.join(".") || "(root)", message: issue.message });
    }
  }
  return problems;
}
