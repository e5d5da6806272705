import { Timestamp, type DocumentData } from "@google-cloud/firestore";
import { z } from "zod";
import { ERROR_TYPES } from "../errors.ts";
import { JOB_STATUSES, type JobErrorRecord, type JobState } from "../job-state.ts";
import { OPERATION_NAMES, type OperationName } from "../operations/operations.ts";
import { PROGRESS_STAGES } from "../progress.ts";
import { LANES, type Lane } from "../lanes.ts";
import type { JobSpend } from "../spend-budget.ts";
import { WEBHOOK_EVENTS, WEBHOOK_MESSAGE_STATES, type JobWebhook } from "../webhooks/job-webhook.ts";

/** One image of a result as stored: raw base64 PNG and its size in pixels. */
export interface StoredImage {
  base64: string;
  width: number;
  height: number;
  format: "png";
}

export interface JobResult {
  images: StoredImage[];
  /** PixelLab's `usage`, as reported (USD, generations or credits), or null. */
  usage: Record<string, unknown> | null;
}

/** A job as the code sees it: the state machine's fields plus what the job is about. Times in ms. */
export interface Job extends JobState {
  id: string;
  userId: string;
  operation: OperationName;
  input: Record<string, unknown>;
  cacheKey: string;
  /** One attempt's limit, in ms. */
  timeoutMs: number;
  createdAt: number;
  updatedAt: number;
  cached: boolean;
  result: JobResult | null;
  /** The per-user slot this job holds, or null once released. */
  slot: number | null;
  /** PixelLab's background job id, recorded before waiting so a retry resumes instead of paying twice. */
  pixellabJobId: string | null;
  /** Every failed attempt's error, oldest first (for the dead-letter entry). */
  attemptErrors: JobErrorRecord[];
  /**
   * Task-name generation, part of task names (see `taskId`): bumped whenever the next task needs a
   * name never used before (a dead-letter replay, a sweeper rescue), since Cloud Tasks keeps used
   * names reserved for about an hour.
   */
  run: number;
  /**
   * The W3C `traceparent` of the span that made the job (the submit), or null (jobs made before
   * tracing, or without an SDK). Every task of the job carries it, so each attempt continues the
   * job's one trace; `GET /v1/jobs/{id}` shows its trace id.
   */
  traceparent: string | null;
  /**
   * The job's part of its owner's daily spend budget (`spend-budget.ts`), or null when no budget
   * applied at admission (the default, `USER_DAILY_SPEND_USD=0`), or for a job answered from cache.
   */
  spend: JobSpend | null;
  /** The job's lane (`lanes.ts`): its queue and its place in line. */
  priority: Lane;
  /** The job's completion webhook (`options.webhook`) and its messages, or null. */
  webhook: JobWebhook | null;
}

/** What a job id may look like (ours are 32 hex characters; this also keeps Firestore paths safe). */
export const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A Firestore Timestamp read as ms since the epoch. */
export const millis = z.instanceof(Timestamp).transform((t) => t.toMillis());
/** A {@link JobErrorRecord} with its time read by `time` (a Timestamp stored, ms in JSON). */
const errorRecordWith = (time: z.ZodType<number>) =>
  z.object({
    type: z.enum(ERROR_TYPES),
    message: z.string(),
    retryable: z.boolean(),
    status: z.number().nullable(),
    at: time,
  });
/** A stored {@link JobErrorRecord} (on jobs and dead-letter entries). */
export const errorRecord = errorRecordWith(millis);

/** A stored {@link JobResult} (on jobs and cache entries). */
export const storedResult = z.object({
  images: z.array(
    z.object({ base64: z.string(), width: z.number(), height: z.number(), format: z.literal("png") }),
  ),
  usage: z.record(z.string(), z.unknown()).nullable(),
});

/** A stored {@link JobWebhook}, its times read by `time`. */
const webhookWith = (time: z.ZodType<number>) =>
  z.object({
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    messages: z.array(
      z.object({
        id: z.string(),
        type: z.enum(WEBHOOK_EVENTS),
        at: time,
        state: z.enum(WEBHOOK_MESSAGE_STATES),
        attempts: z.array(
          z.object({
            at: time,
            status: z.number().nullable(),
            error: z.string().nullable(),
            durationMs: z.number(),
          }),
        ),
      }),
    ),
    checkAt: time.nullable(),
  });

/**
 * A job's fields with its times read by `time`: one schema for the Firestore document (Timestamps)
 * and for the job a task carries as JSON (ms since the epoch), so the two cannot drift apart.
 */
function jobFields(time: z.ZodType<number>) {
  const error = errorRecordWith(time);
  return z.object({
    userId: z.string(),
    operation: z.enum(OPERATION_NAMES as [OperationName, ...OperationName[]]),
    input: z.record(z.string(), z.unknown()),
    cacheKey: z.string(),
    status: z.enum(JOB_STATUSES),
    progress: z.object({ percent: z.number(), stage: z.enum(PROGRESS_STAGES) }),
    attempts: z.number(),
    maxAttempts: z.number(),
    timeoutMs: z.number(),
    createdAt: time,
    updatedAt: time,
    startedAt: time.nullable(),
    finishedAt: time.nullable(),
    cached: z.boolean(),
    result: storedResult.nullable(),
    error: error.nullable(),
    leaseId: z.string().nullable(),
    leaseExpiresAt: time.nullable(),
    cancelRequested: z.boolean(),
    nextAttemptAt: time.nullable(),
    slot: z.number().nullable(),
    pixellabJobId: z.string().nullable().default(null),
    attemptErrors: z.array(error).default([]),
    run: z.number().default(0),
    traceparent: z.string().nullable().default(null),
    spend: z
      .object({ day: z.number(), heldMicros: z.number(), chargedMicros: z.number().nullable() })
      .nullable()
      .default(null),
    priority: z.enum(LANES).default("interactive"),
    webhook: webhookWith(time).nullable().default(null),
  });
}

/** Firestore → {@link Job}. The document is untrusted input (older versions, manual edits): decode, then use. */
const jobDocument = jobFields(millis);

/** A {@link Job} as JSON (`JSON.stringify` of one, times in ms), as a task carries it. */
export const jobJson = jobFields(z.number()).extend({ id: z.string().regex(JOB_ID) });

export function decodeJob(id: string, data: DocumentData | undefined): Job {
  const parsed = jobDocument.safeParse(data);
  if (!parsed.success) throw new Error(`jobs/${id} is malformed: ${parsed.error.message}`);
  return { id, ...parsed.data };
}

const ts = (ms: number | null): Timestamp | null => (ms === null ? null : Timestamp.fromMillis(ms));
/** A {@link JobErrorRecord} as Firestore stores it (its time as a Timestamp). */
export function encodeErrorRecord(e: JobErrorRecord): DocumentData {
  return { ...e, at: Timestamp.fromMillis(e.at) };
}
const errorFields = (e: JobErrorRecord | null) => (e === null ? null : encodeErrorRecord(e));

/** {@link Job} → Firestore fields (everything but the id). */
export function encodeJob(job: Job): DocumentData {
  const { id: _id, ...rest } = job;
  return {
    ...rest,
    createdAt: Timestamp.fromMillis(job.createdAt),
    updatedAt: Timestamp.fromMillis(job.updatedAt),
    startedAt: ts(job.startedAt),
    finishedAt: ts(job.finishedAt),
    leaseExpiresAt: ts(job.leaseExpiresAt),
    nextAttemptAt: ts(job.nextAttemptAt),
    error: errorFields(job.error),
    attemptErrors: job.attemptErrors.map(errorFields),
    webhook: job.webhook === null ? null : encodeWebhook(job.webhook),
  };
}

/** A {@link JobWebhook} with its times as Timestamps (`webhook.checkAt` is the sweeper's query field). */
function encodeWebhook(webhook: JobWebhook): DocumentData {
  return {
    ...webhook,
    messages: webhook.messages.map((m) => ({
      ...m,
      at: Timestamp.fromMillis(m.at),
      attempts: m.attempts.map((a) => ({ ...a, at: Timestamp.fromMillis(a.at) })),
    })),
    checkAt: ts(webhook.checkAt),
  };
}

/** The Firestore fields of the state machine's part, for updates after a transition. */
export function encodeState(state: JobState, now: number): DocumentData {
  return {
    status: state.status,
    attempts: state.attempts,
    maxAttempts: state.maxAttempts,
    progress: state.progress,
    leaseId: state.leaseId,
    leaseExpiresAt: ts(state.leaseExpiresAt),
    cancelRequested: state.cancelRequested,
    nextAttemptAt: ts(state.nextAttemptAt),
    startedAt: ts(state.startedAt),
    finishedAt: ts(state.finishedAt),
    error: errorFields(state.error),
    updatedAt: Timestamp.fromMillis(now),
  };
}

/** Firestore refuses documents over 1 MiB (1,048,576 bytes); this leaves room for field overhead. */
export const MAX_DOCUMENT_BYTES = 1_000_000;

/**
 * A value's stored size by Firestore's documented rules: a string is its UTF-8 bytes + 1, a number
 * 8, a boolean or null 1, an array the sum of its values, a map the sum of its field names (UTF-8 +
 * 1) and values. (JSON length undercounts lists of small numbers: `0` is 1 byte of JSON, 8 stored.)
 */
export function estimatedBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8") + 1;
  if (typeof value === "number" || typeof value === "bigint") return 8;
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + estimatedBytes(v), 0);
  if (value instanceof Timestamp) return 8;
  if (typeof value === "object") {
    return Object.entries(value).reduce(
      (sum, [key, v]) => sum + Buffer.byteLength(key, "utf8") + 1 + estimatedBytes(v),
      0,
    );
  }
  return 8;
}
