/**
 * The API's answers as zod schemas: the client library reads answers with them, and the OpenAPI
 * document (`openapi.ts`) is built from them, so the two cannot drift apart. Kept out of
 * `shared/client/` because the deployed `api` serves the document built from them.
 */
import { LANES } from "../lanes.ts";
import { z } from "zod";
import { JOB_STATUSES } from "../job-state.ts";
import { PROGRESS_STAGES } from "../progress.ts";
import type { JobView } from "../submission/job-view.ts";
import { WAITING_CODES } from "../submission/waiting-reason.ts";
import { WEBHOOK_EVENTS, WEBHOOK_MESSAGE_STATES } from "../webhooks/job-webhook.ts";

// Objects are not strict: a newer API may add fields, and the client keeps what it knows.
const image = z.object({
  base64: z.string(),
  width: z.number(),
  height: z.number(),
  format: z.literal("png"),
  url: z.string(),
});
const result = z.object({ images: z.array(image), usage: z.record(z.string(), z.unknown()).nullable() });

/** A job's webhook and its deliveries (`job-view.ts`'s `WebhookView`). */
export const webhookViewSchema = z.object({
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  deliveries: z.array(
    z.object({
      webhookId: z.string().describe("The `webhook-id` header of every attempt: the receiver's dedup key."),
      event: z.enum(WEBHOOK_EVENTS),
      state: z
        .enum(WEBHOOK_MESSAGE_STATES)
        .describe(
          "pending: being delivered (retried with backoff); delivered: a 2xx came back; failed: every attempt failed; refused: the URL resolved to an address webhooks may not reach.",
        ),
      createdAt: z.string(),
      attempts: z.array(
        z.object({
          at: z.string(),
          statusCode: z.number().nullable().describe("The receiver's HTTP status; null when none came."),
          error: z
            .string()
            .nullable()
            .describe("Why the attempt failed (timeout, connection-refused, private, ...), or null."),
          durationMs: z.number(),
        }),
      ),
    }),
  ),
});

/** The body of a webhook delivery (`deliver-webhook.ts`'s `webhookBody`). */
export const webhookPayloadSchema = z.object({
  type: z.enum(WEBHOOK_EVENTS),
  timestamp: z.string().describe("When the job ended (RFC 3339)."),
  get data() {
    return jobViewSchema.omit({ webhook: true }).describe("The job as `GET /v1/jobs/{jobId}` shows it.");
  },
});

/** `GET`/`POST /v1/webhook-secret`: the caller's signing secret, and until when the previous one signs. */
export const webhookSecretSchema = z.object({
  secret: z.string().describe("Standard Webhooks signing secret, `whsec_` + base64 of 32 bytes."),
  createdAt: z.string(),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe("After a rotation: until when deliveries also carry a signature by the previous secret."),
});

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
  priority: z.enum(LANES).optional(),
  result: result.optional(),
  error: z.object({ type: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
  waiting: z
    .object({
      code: z.enum(WAITING_CODES),
      message: z.string(),
      position: z.number().optional(),
      estimatedWaitMs: z.number().optional(),
      until: z.string().optional(),
      retryAfterSeconds: z.number().optional(),
    })
    .optional(),
  webhook: webhookViewSchema.optional(),
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

/**
 * A 429 from a per-user limit: which one (`limitName`), its size, and when to try again. The rate
 * limit's count resets at `resetsAt`; the active-job limit frees as the caller's jobs end
 * (`activeJobs` says how many they hold); the daily spend budget (`limit` in USD) resets at
 * `resetsAt`, the next UTC midnight, and says what the day's jobs cost or hold (`spentUsd`) and what
 * one more would hold (`holdUsd`).
 */
export const limitProblemSchema = problemSchema.extend({
  limitName: z.enum(["active-jobs", "submissions-per-minute", "daily-spend-usd"]),
  limit: z.number(),
  activeJobs: z.number().optional(),
  spentUsd: z.number().optional(),
  holdUsd: z.number().optional(),
  resetsAt: z.string().optional(),
  retryAfterSeconds: z.number(),
});

/** `GET /v1/admin/queue`: the queue-wide gauges, as `shared/telemetry/queue-gauges.ts` computes them. */
export const queueGaugesSchema = z.object({
  /** When they were read, ms since the epoch. */
  at: z.number(),
  jobs: z.object({ queued: z.number(), "retry-wait": z.number(), processing: z.number() }),
  oldestQueuedAgeSeconds: z.number(),
  deadLetters: z.number(),
  activeUsers: z.number(),
});
export type QueueGaugesView = z.infer<typeof queueGaugesSchema>;

const errorView = z.object({
  type: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  status: z.number().nullable(),
  at: z.string(),
});

/** One entry of `GET /v1/admin/dead-letters` (see `shared/admin/dead-letter-view.ts`); loose, newer fields pass. */
export const deadLetterSchema = z.looseObject({
  jobId: z.string(),
  userId: z.string(),
  operation: z.string(),
  errorType: z.string(),
  error: errorView,
  attemptErrors: z.array(errorView),
  attempts: z.number(),
  failedAt: z.string(),
  expireAt: z.string(),
});
export type DeadLetterEntry = z.infer<typeof deadLetterSchema>;

export const deadLetterPageSchema = z.object({
  entries: z.array(deadLetterSchema),
  nextCursor: z.string().nullable(),
});
