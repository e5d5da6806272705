import { FieldPath, Timestamp, type DocumentData, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { ERROR_TYPES, type ErrorType } from "../errors.ts";
import type { JobErrorRecord } from "../job-state.ts";
import { COLLECTIONS } from "./collections.ts";
import { encodeErrorRecord, errorRecord, millis } from "./job-document.ts";
import type { JobStore } from "./job-store.ts";
import { isPreconditionFailed } from "./firestore-errors.ts";
import { queryReads, type OpMeter } from "./op-meter.ts";
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

export const deadLetterRef = (firestore: Firestore, jobId: string) =>
  firestore.collection(COLLECTIONS.deadLetters).doc(jobId);
const ref = deadLetterRef;
const ts = (ms: number) => Timestamp.fromMillis(ms);

/** A {@link DeadLetter} as Firestore stores it (times as Timestamps). */
export function encodeDeadLetter(entry: DeadLetter): DocumentData {
  return {
    ...entry,
    error: encodeErrorRecord(entry.error),
    attemptErrors: entry.attemptErrors.map(encodeErrorRecord),
    failedAt: ts(entry.failedAt),
    expireAt: ts(entry.expireAt),
    job: { ...entry.job, createdAt: ts(entry.job.createdAt) },
  };
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

async function getDeadLetter(
  firestore: Firestore,
  meter: OpMeter,
  jobId: string,
): Promise<DeadLetter | undefined> {
  const snap = await ref(firestore, jobId).get();
  meter.read();
  return snap.exists ? decodeDeadLetter(snap.data()) : undefined;
}

/** Dead letters newest first, optionally of one error type; `cursor` is opaque. */
async function listDeadLetters(
  firestore: Firestore,
  meter: OpMeter,
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
  meter.read(queryReads(snap.size));
  const entries = snap.docs.slice(0, options.limit).map((d) => decodeDeadLetter(d.data()));
  const last = entries.at(-1);
  const more = snap.docs.length > options.limit && last !== undefined;
  return {
    entries,
    nextCursor: more ? encodePageCursor({ atMs: last.failedAt, id: last.jobId }) : null,
  };
}

/** `deadLetters/{jobId}` in Firestore. */
export function firestoreDeadLetters(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "getDeadLetter" | "listDeadLetters" | "deleteDeadLetter"> {
  return {
    getDeadLetter: (jobId) => getDeadLetter(firestore, meter, jobId),
    listDeadLetters: (query) => listDeadLetters(firestore, meter, query),
    // One delete with an `exists` precondition: a missing entry is known without a read.
    async deleteDeadLetter(jobId) {
      try {
        await ref(firestore, jobId).delete({ exists: true });
        meter.delete();
        return true;
      } catch (error) {
        if (isPreconditionFailed(error)) return false;
        throw error;
      }
    },
  };
}
