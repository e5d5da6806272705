import { z } from "zod";
import { JOB_STATUSES } from "../job-state.ts";
import { PROGRESS_STAGES } from "../progress.ts";
import type { JobView } from "../submission/job-view.ts";
import { UnexpectedResponseError, type ApiProblem } from "./client-errors.ts";

// Objects are not strict: a newer API may add fields, and the client keeps what it knows.
const image = z.object({
  base64: z.string(),
  width: z.number(),
  height: z.number(),
  format: z.literal("png"),
  url: z.string(),
});
const result = z.object({ images: z.array(image), usage: z.record(z.string(), z.unknown()).nullable() });

export const jobViewSchema = z.object({
  jobId: z.string(),
  operation: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.object({ percent: z.number(), stage: z.enum(PROGRESS_STAGES) }),
  attempts: z.number(),
  maxAttempts: z.number(),
  cached: z.boolean(),
  cancelRequested: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  traceId: z.string().nullable().optional(),
  result: result.optional(),
  error: z.object({ type: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
}) satisfies z.ZodType<JobView>;

/**
 * `POST /v1/jobs` answers one of three shapes: accepted `{jobId, status, position, estimatedWaitMs}`,
 * a cache hit `{jobId, status, cached, result}`, or a duplicate (the earlier job's whole view plus
 * `deduplicated: true`). One loose schema reads them all; {@link toSubmitResult} tells them apart.
 */
export const submitBodySchema = z.looseObject({
  jobId: z.string(),
  status: z.enum(JOB_STATUSES),
  position: z.number().optional(),
  estimatedWaitMs: z.number().optional(),
  cached: z.boolean().optional(),
  deduplicated: z.boolean().optional(),
  result: result.optional(),
});

/** The three answers of `POST /v1/jobs`, each exactly (the OpenAPI document's; see `openapi.ts`). */
export const acceptedBodySchema = z.object({
  jobId: z.string(),
  status: z.enum(JOB_STATUSES),
  /** Jobs admitted before this one and not finished yet. */
  position: z.number(),
  estimatedWaitMs: z.number(),
});
export const cachedBodySchema = z.object({
  jobId: z.string(),
  status: z.literal("completed"),
  cached: z.literal(true),
  result,
});
export const duplicateBodySchema = jobViewSchema.extend({ deduplicated: z.literal(true) });

export const jobPageSchema = z.object({ jobs: z.array(jobViewSchema), nextCursor: z.string().nullable() });

/** An RFC 9457 problem (`application/problem+json`); extension members vary by `type`. */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  retryAfterSeconds: z.number().optional(),
});

/** Validates a decoded body; a mismatch is an {@link UnexpectedResponseError} naming what was read. */
export function decodeBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new UnexpectedResponseError(`${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The problem document of an error answer. A body that is not one (an HTML error page from a proxy,
 * the Functions Framework's own 400) becomes a generic problem with the HTTP status, so callers can
 * always branch on `problem.type`.
 */
export function toProblem(status: number, statusText: string, body: unknown): ApiProblem {
  const parsed = problemSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const detail = typeof body === "string" && body.length > 0 ? body.slice(0, 200) : statusText;
  return { type: `/problems/http-${status}`, title: statusText || `HTTP ${status}`, status, detail };
}
