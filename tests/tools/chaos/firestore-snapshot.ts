import { Timestamp, type DocumentData, type Firestore } from "@google-cloud/firestore";

/**
 * What the audit reads of a job, straight from the stored fields (not through the code under test's
 * decoders, which are being rewritten): a missing field reads as null, never as a crash.
 */
export interface JobDoc {
  id: string;
  userId: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  cached: boolean;
  cancelRequested: boolean;
  leaseId: string | null;
  leaseExpiresAt: number | null;
  createdAt: number | null;
  updatedAt: number | null;
  finishedAt: number | null;
  cacheKey: string;
  run: number;
  pixellabJobId: string | null;
  /** `[fake:tag=…]` of its description: which PixelLab stats are this job's. */
  tag: string | null;
  imageCount: number;
  error: { type: string; message: string } | null;
  attemptErrors: { type: string; message: string; at: number | null }[];
}

export interface DeadLetterDoc {
  id: string;
  attempts: number | null;
  attemptErrors: number | null;
  errorType: string | null;
}

export interface FirestoreSnapshot {
  jobs: Map<string, JobDoc>;
  deadLetters: Map<string, DeadLetterDoc>;
  /** `userSlots/{uid}_{k}` documents: id and the job they name. */
  slots: { id: string; jobId: string | null }[];
  /** `dedupClaims/*`: the job each names, and when it was made. */
  claims: { id: string; jobId: string | null; createdAt: number | null; admitted: boolean | null }[];
}

const ms = (value: unknown): number | null => (value instanceof Timestamp ? value.toMillis() : null);
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

/** Reads every job, dead letter, slot and claim of the run's project. */
export async function readSnapshot(firestore: Firestore): Promise<FirestoreSnapshot> {
  const [jobs, deadLetters, slots, claims] = await Promise.all(
    ["jobs", "deadLetters", "userSlots", "dedupClaims"].map((c) => firestore.collection(c).get()),
  );
  return {
    jobs: new Map(jobs!.docs.map((d) => [d.id, decodeJob(d.id, d.data())])),
    deadLetters: new Map(
      deadLetters!.docs.map((d) => {
        const data = d.data();
        const errors = Array.isArray(data.attemptErrors) ? data.attemptErrors.length : null;
        const attempts = typeof data.attempts === "number" ? data.attempts : null;
        return [d.id, { id: d.id, attempts, attemptErrors: errors, errorType: text(data.errorType) }];
      }),
    ),
    slots: slots!.docs.map((d) => ({ id: d.id, jobId: text(d.get("jobId")) })),
    claims: claims!.docs.map((d) => ({
      id: d.id,
      jobId: text(d.get("jobId")),
      createdAt: ms(d.get("createdAt")),
      admitted: typeof d.get("admitted") === "boolean" ? (d.get("admitted") as boolean) : null,
    })),
  };
}

function decodeJob(id: string, data: DocumentData): JobDoc {
  const input = (data.input ?? {}) as { description?: unknown; action?: unknown };
  const description = text(input.description) ?? text(input.action) ?? "";
  const result = data.result as { images?: unknown[] } | null | undefined;
  const error = data.error as { type?: unknown; message?: unknown } | null | undefined;
  const attemptErrors = Array.isArray(data.attemptErrors) ? (data.attemptErrors as DocumentData[]) : [];
  return {
    id,
    userId: text(data.userId) ?? "?",
    status: text(data.status) ?? "?",
    attempts: num(data.attempts, -1),
    maxAttempts: num(data.maxAttempts, -1),
    cached: data.cached === true,
    cancelRequested: data.cancelRequested === true,
    leaseId: text(data.leaseId),
    leaseExpiresAt: ms(data.leaseExpiresAt),
    createdAt: ms(data.createdAt),
    updatedAt: ms(data.updatedAt),
    finishedAt: ms(data.finishedAt),
    cacheKey: text(data.cacheKey) ?? "",
    run: num(data.run, 0),
    pixellabJobId: text(data.pixellabJobId),
    tag: /\btag=([A-Za-z0-9_.:-]+)/.exec(description)?.[1] ?? null,
    imageCount: Array.isArray(result?.images) ? result.images.length : 0,
    error: error ? { type: String(error.type), message: String(error.message) } : null,
    attemptErrors: attemptErrors.map((e) => ({
      type: String(e.type),
      message: String(e.message),
      at: ms(e.at),
    })),
  };
}
