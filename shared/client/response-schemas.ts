import { z } from "zod";
import { problemSchema } from "../http/answer-schemas.ts";
import { UnexpectedResponseError, type ApiProblem } from "./client-errors.ts";

export {
  acceptedBodySchema,
  cachedBodySchema,
  duplicateBodySchema,
  jobPageSchema,
  jobViewSchema,
  problemSchema,
  submitBodySchema,
  webhookSecretSchema,
} from "../http/answer-schemas.ts";

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
