import { FieldPath, Timestamp, type Firestore, type Transaction } from "@google-cloud/firestore";
import { z } from "zod";
import { ERROR_TYPES, type ErrorType } from "../errors.ts";
import type { JobErrorRecord } from "../job-state.ts";
import { COLLECTIONS } from "./collections.ts";
import { encodeErrorRecord, errorRecord, millis, type Job } from "./job-document.ts";
import { decodePageCursor, encodePageCursor } from "./page-cursor.ts";

/**
 * `deadLetters/{jobId}`: a job that failed for good, kept for an operator to inspect, replay or
 * delete. Removed by a Firestore TTL policy on `expireAt` (config `DEAD_LETTER_RETENTION_DAYS`).
 */
export interface DeadLetter {
  jobId: string;
  userId: string;
  operation: string;
  /** The final error's type, for filtering. */
  errorType: ErrorType;
  error: JobErrorRecord;
  /** Every attempt's error, oldest first. */
  attemptErrors: JobErrorRecord[];
  attempts: number;
  failedAt: number;
  expireAt: number;
  /** What the job asked for, so a replay needs nothing else. */
  job: {
    input: Record<string, unknown>;
    cacheKey: string;
    createdAt: number;
    timeoutMs: number;
    run: number;
  };
}

const ref = (firestore: Firestore, jobId: string) => firestore.collection(COLLECTIONS.deadLetters).doc(jobId);
const ts = (ms: number) => Timestamp.fromMillis(ms);

/** Adds the dead-letter entry for a job that just failed (inside its terminal transaction). */
export function writeDeadLetter(
  tx: Transaction,
  firestore: Firestore,
  job: Job,
  now: number,
  retentionMs: number,
): void {
  const error = job.error ?? { type: "upstream", message: "failed", retryable: false, status: null, at: now };
  tx.set(ref(firestore, job.id), {
    jobId: job.id,
    userId: job.userId,
    operation: job.operation,
    errorType: error.type,
    error: encodeErrorRecord(error),
    attemptErrors: job.attemptErrors.map(encodeErrorRecord),
    attempts: job.attempts,
    failedAt: ts(now),
    expireAt: ts(now + retentionMs),
    job: {
      input: job.input,
      cacheKey: job.cacheKey,
      createdAt: ts(job.createdAt),
      timeoutMs: job.timeoutMs,
      run: job.run,
    },
  });
}

const deadLetterDoc = z.object({
  jobId: z.string(),
  userId: z.string(),
  operation: z.string(),
  errorType: z.enum(ERROR_TYPES),
  error: errorRecord,
  attemptErrors: z.array(errorRecord),
  attempts: z.number(),
  failedAt: millis,
  expireAt: millis,
  job: z.object({
    input: z.record(z.string(), z.unknown()),
    cacheKey: z.string(),
    createdAt: millis,
    timeoutMs: z.number(),
    run: z.number(),
  }),
});

export function decodeDeadLetter(data: unknown): DeadLetter {
  return deadLetterDoc.parse(data);
}

export async function getDeadLetter(firestore: Firestore, jobId: string): Promise<DeadLetter | undefined> {
  const snap = await ref(firestore, jobId).get();
  return snap.exists ? decodeDeadLetter(snap.data()) : undefined;
}

/** Dead letters newest first, optionally of one error type; `cursor` is opaque. */
export async function listDeadLetters(
  firestore: Firestore,
  options: { errorType?: ErrorType | undefined; limit: number; cursor?: string | undefined },
): Promise<{ entries: DeadLetter[]; nextCursor: string | null }> {
  let query = firestore
    .collection(COLLECTIONS.deadLetters)
    .orderBy("failedAt", "desc")
    .orderBy(FieldPath.documentId(), "desc");
  if (options.errorType !== undefined) query = query.where("errorType", "==", options.errorType);
  const after = decodePageCursor(options.cursor);
  if (after !== undefined) query = query.startAfter(ts(after.atMs), after.id);
  const snap = await query.limit(options.limit + 1).get();
  const entries = snap.docs.slice(0, options.limit).map((d) => decodeDeadLetter(d.data()));
  const last = entries.at(-1);
  const more = snap.docs.length > options.limit && last !== undefined;
  return {
    entries,
    nextCursor: more ? encodePageCursor({ atMs: last.failedAt, id: last.jobId }) : null,
  };
}
