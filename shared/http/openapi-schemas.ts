import { z } from "zod";
import { bulkFilter } from "../admin/bulk-dead-letters.ts";
import {
  acceptedBodySchema,
  cachedBodySchema,
  deadLetterPageSchema,
  deadLetterSchema,
  duplicateBodySchema,
  jobPageSchema,
  jobViewSchema,
  limitProblemSchema,
  problemSchema,
  queueGaugesSchema,
  webhookPayloadSchema,
  webhookSecretSchema,
} from "./answer-schemas.ts";
import { ERROR_TYPES } from "../errors.ts";
import { JOB_STATUSES } from "../job-state.ts";
import { OPERATIONS, OPERATION_NAMES } from "../operations/operations.ts";
import { JOB_ID } from "../store/job-document.ts";
import type { HealthReport } from "../submission/health.ts";
import { submitOptions } from "../submission/submit-request.ts";

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) as the document holds it. */
export type JsonSchema = Record<string, unknown>;

/** A reference to one of {@link componentSchemas}. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * A zod schema as JSON Schema: `input` for what a client sends (defaults optional), `output` for
 * what the API answers (every field it always sends required). Zod's `$schema` is dropped: OpenAPI
 * 3.1 documents name their dialect once.
 */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}

const health = z.object({
  healthy: z.boolean(),
  dependencies: z.record(
    z.string(),
    z.union([
      z.object({ status: z.literal("up"), latencyMs: z.number(), required: z.boolean() }),
      z.object({ status: z.literal("down"), error: z.string(), required: z.boolean() }),
    ]),
  ),
}) satisfies z.ZodType<HealthReport>;

const bulkResult = z.object({
  retried: z.number().optional(),
  deleted: z.number().optional(),
  jobIds: z.array(z.string()),
  failed: z.array(z.object({ jobId: z.string(), reason: z.string() })),
});

/** One request body per operation: `operation` names it, `input` is that operation's own schema. */
function submitRequest(name: (typeof OPERATION_NAMES)[number]): JsonSchema {
  return {
    type: "object",
    title: name,
    properties: {
      operation: { const: name },
      input: jsonSchema(OPERATIONS[name].schema, "input"),
      options: jsonSchema(submitOptions, "input"),
    },
    required: ["operation", "input"],
    additionalProperties: false,
  };
}

/** Every named schema of the document (`#/components/schemas/...`), from the zod that validates it. */
export function componentSchemas(): Record<string, JsonSchema> {
  const requests = Object.fromEntries(
    OPERATION_NAMES.map((name) => [`SubmitRequest_${name}`, submitRequest(name)]),
  );
  return {
    ...requests,
    SubmitRequest: {
      oneOf: OPERATION_NAMES.map((name) => ref(`SubmitRequest_${name}`)),
    },
    Accepted: jsonSchema(acceptedBodySchema, "output"),
    Cached: jsonSchema(cachedBodySchema, "output"),
    Duplicate: jsonSchema(duplicateBodySchema, "output"),
    JobView: jsonSchema(jobViewSchema, "output"),
    JobPage: jsonSchema(jobPageSchema, "output"),
    Problem: jsonSchema(problemSchema, "output"),
    LimitProblem: jsonSchema(limitProblemSchema, "output"),
    Health: jsonSchema(health, "output"),
    QueueGauges: jsonSchema(queueGaugesSchema, "output"),
    DeadLetter: jsonSchema(deadLetterSchema, "output"),
    DeadLetterPage: jsonSchema(deadLetterPageSchema, "output"),
    BulkFilter: jsonSchema(bulkFilter, "input"),
    BulkResult: jsonSchema(bulkResult, "output"),
    WebhookSecret: jsonSchema(webhookSecretSchema, "output"),
    WebhookPayload: jsonSchema(webhookPayloadSchema, "output"),
  };
}

/** Query and path parameters, as the routes check them (`read-jobs.ts`, `api.ts`, `list-dead-letters.ts`). */
export const PARAMETERS = {
  jobId: { type: "string", pattern: JOB_ID.source },
  status: { type: "string", enum: [...JOB_STATUSES] },
  limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
  cursor: { type: "string" },
  waitSeconds: { type: "integer", minimum: 1, maximum: 25 },
  index: { type: "integer", minimum: 0, default: 0 },
  errorType: { type: "string", enum: [...ERROR_TYPES] },
} as const satisfies Record<string, JsonSchema>;
