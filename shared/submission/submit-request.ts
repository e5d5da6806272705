import { z } from "zod";
import type { FieldProblem } from "../errors.ts";
import { LANES, type Lane } from "../lanes.ts";
import { WEBHOOK_EVENTS, type WebhookEvent } from "../webhooks/job-webhook.ts";
import {
  toFieldProblems,
  validateOperationRequest,
  type NormalisedRequest,
} from "../operations/operations.ts";

/** Per-job options a client may set. */
export interface SubmitOptions {
  /** One attempt's time limit, in ms (10 s to 30 min); the configured default when absent. */
  timeoutMs: number | undefined;
  /** `bypass` skips the cache lookup (the result is still cached afterwards). @defaultValue "use" */
  cache: "use" | "bypass";
  /** The lane the job waits in (`lanes.ts`). @defaultValue "interactive" */
  priority: Lane;
  /** Where and for which ends the job's webhook goes (`webhooks/`); none when absent. */
  webhook?: { url: string; events: WebhookEvent[] } | undefined;
}

/** An `Idempotency-Key` header the API accepts: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** An absolute http(s) URL with a host (no flags: JSON Schema patterns have none). */
const WEBHOOK_URL = /^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s/?#]+([/?#]\S*)?$/;

/** Longest webhook URL accepted, in characters. @defaultValue 2_048 */
export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/** `options.webhook`: where to POST the job's end, and which ends (all three by default). */
export const webhookOption = z.strictObject({
  url: z
    .string()
    .max(MAX_WEBHOOK_URL_LENGTH)
    // A pattern, not z.url(): JSON Schema's `format: uri` is not checked by validators, so the
    // contract would accept what the API refuses. What passes it but does not parse is refused
    // by the address check (`not-a-url`), with the same 422.
    .regex(WEBHOOK_URL, "must be an absolute http(s) URL")
    .describe(
      "https URL that receives the job's end, signed per Standard Webhooks. Refused when it resolves to a private, loopback, link-local or metadata address.",
    ),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    // A repeated event means the same; JSON Schema could not say "unique" the way zod checks it.
    .transform((events) => [...new Set(events)])
    .default([...WEBHOOK_EVENTS]),
});

/** `options` of `POST /v1/jobs`. */
export const submitOptions = z.strictObject({
  timeoutMs: z.int().min(10_000).max(1_800_000).optional(),
  cache: z.enum(["use", "bypass"]).default("use"),
  priority: z.enum(LANES).default("interactive"),
  webhook: webhookOption.optional(),
});

const envelope = z.strictObject({
  operation: z.string(),
  input: z.record(z.string(), z.unknown()),
  options: submitOptions.default({ cache: "use", priority: "interactive" }),
});

export type DecodedSubmission =
  { ok: true; request: NormalisedRequest; options: SubmitOptions } | { ok: false; errors: FieldProblem[] };

/**
 * Decodes `POST /v1/jobs`'s body: the envelope `{operation, input, options?}` and the operation's own
 * input, reporting every problem at once (envelope and input) rather than the first.
 */
export function decodeSubmission(body: unknown): DecodedSubmission {
  const parsed = envelope.safeParse(body);
  const errors = parsed.success ? [] : toFieldProblems(parsed.error.issues);
  const raw = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const inputIsObject = typeof raw.input === "object" && raw.input !== null && !Array.isArray(raw.input);
  if (typeof raw.operation === "string" && inputIsObject) {
    const operation = validateOperationRequest(raw.operation, raw.input);
    if (!operation.ok) errors.push(...operation.errors);
    else if (parsed.success) {
      const options = parsed.data.options;
      return {
        ok: true,
        request: operation.value,
        options: {
          timeoutMs: options.timeoutMs,
          cache: options.cache,
          priority: options.priority,
          ...(options.webhook !== undefined && { webhook: options.webhook }),
        },
      };
    }
  }
  return { ok: false, errors: dedupe(errors) };
}

function dedupe(errors: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
