import { z } from "zod";
import {
  OPERATIONS,
  type NormalisedRequest,
  type OperationName,
} from "../../../shared/operations/operations.ts";

/** One entry of a FastAPI/pydantic v2 422 body: `{"detail": [FastApiError, ...]}`. */
export interface FastApiError {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export type FakeValidation = { ok: true; request: NormalisedRequest } | { ok: false; detail: FastApiError[] };

/**
 * Validates a request body the way PixelLab does: against the same schemas the queue uses (v1 and v2
 * names share them; every model forbids unknown keys), reporting each problem as pydantic would.
 */
export function validateBody(operation: OperationName, body: unknown): FakeValidation {
  const parsed = OPERATIONS[operation].schema.safeParse(body, { reportInput: true });
  if (parsed.success) return { ok: true, request: { operation, input: parsed.data } as NormalisedRequest };
  const schema = OPERATIONS[operation].schema;
  return { ok: false, detail: parsed.error.issues.flatMap((issue) => toFastApi(issue, body, schema)) };
}

/** FastAPI's answer to a body that is not JSON at all. */
export function jsonInvalid(error: string): FastApiError {
  return { type: "json_invalid", loc: ["body", 0], msg: "JSON decode error", input: {}, ctx: { error } };
}

/**
 * Maps one zod issue to pydantic v2's error type, message and context. `schema` tells integer fields
 * from float ones (zod reports both as "expected number" when given a non-number). Pure.
 */
export function toFastApi(issue: z.core.$ZodIssue, body: unknown, schema?: z.ZodType): FastApiError[] {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  const loc = ["body", ...path];
  const input = valueAt(body, path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        type: "extra_forbidden",
        loc: [...loc, key],
        msg: "Extra inputs are not permitted",
        input: valueAt(input, [key]),
      }));
    case "invalid_type":
      if (input === undefined)
        return [{ type: "missing", loc, msg: "Field required", input: valueAt(body, path.slice(0, -1)) }];
      return [{ ...typeError(isIntegerField(schema, path) ? "int" : issue.expected, input), loc, input }];
    case "too_small":
    case "too_big":
      return [{ ...boundError(issue), loc, input }];
    case "invalid_value": {
      const expected = pythonChoices(issue.values);
      return [{ type: "literal_error", loc, msg: `Input should be ${expected}`, input, ctx: { expected } }];
    }
    default:
      return [
        {
          type: "value_error",
          loc,
          msg: `Value error, ${issue.message}`,
          input,
          ctx: { error: issue.message },
        },
      ];
  }
}

function typeError(expected: string, input: unknown): { type: string; msg: string } {
  switch (expected) {
    case "string":
      return { type: "string_type", msg: "Input should be a valid string" };
    case "int":
      return typeof input === "number"
        ? {
            type: "int_from_float",
            msg: "Input should be a valid integer, got a number with a fractional part",
          }
        : { type: "int_type", msg: "Input should be a valid integer" };
    case "number":
      return { type: "float_type", msg: "Input should be a valid number" };
    case "boolean":
      return { type: "bool_type", msg: "Input should be a valid boolean" };
    case "array":
      return { type: "list_type", msg: "Input should be a valid list" };
    case "object":
      return {
        type: "model_attributes_type",
        msg: "Input should be a valid dictionary or object to extract fields from",
      };
    default:
      return { type: `${expected}_type`, msg: `Input should be a valid ${expected}` };
  }
}

function boundError(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
): Omit<FastApiError, "loc" | "input"> {
  const small = issue.code === "too_small";
  const limit = Number(small ? issue.minimum : issue.maximum);
  if (issue.origin === "string") {
    const [type, word, key] = small
      ? ["string_too_short", "least", "min_length"]
      : ["string_too_long", "most", "max_length"];
    return {
      type,
      msg: `String should have at ${word} ${limit} character${limit === 1 ? "" : "s"}`,
      ctx: { [key]: limit },
    };
  }
  if (issue.origin === "array") {
    const [type, word] = small ? ["too_short", "least"] : ["too_long", "most"];
    return {
      type,
      msg: `List should have at ${word} ${limit} item${limit === 1 ? "" : "s"} after validation`,
    };
  }
  const inclusive = issue.inclusive !== false;
  const [type, text, key] = small
    ? inclusive
      ? ["greater_than_equal", "greater than or equal to", "ge"]
      : ["greater_than", "greater than", "gt"]
    : inclusive
      ? ["less_than_equal", "less than or equal to", "le"]
      : ["less_than", "less than", "lt"];
  return { type, msg: `Input should be ${text} ${limit}`, ctx: { [key]: limit } };
}

/** Pydantic's list of choices: `'a', 'b' or 'c'`. */
function pythonChoices(values: readonly unknown[]): string {
  const quoted = values.map((v) => (typeof v === "string" ? `'${v}'` : String(v)));
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/** Whether the field at `path` is an integer (`z.int()`), seen through defaults, nullables and pipes. */
function isIntegerField(schema: z.ZodType | undefined, path: ReadonlyArray<string | number>): boolean {
  let current: z.ZodType | undefined = schema;
  for (const key of [...path, undefined]) {
    current = unwrap(current);
    if (key === undefined) break;
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return false;
  }
  return current instanceof z.ZodNumber && (current.format ?? "").includes("int");
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodOptional
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}
