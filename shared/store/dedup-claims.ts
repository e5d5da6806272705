import { createHash } from "node:crypto";
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { isTerminal, type JobStatus } from "../job-state.ts";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";

/**
 * Per-user dedup: `dedupClaims/{sha256(uid:cacheKey)}` names the job that answers a user's repeat of
 * the same normalised request. A claim holds while its job is queued or processing, or for the dedup
 * window after it was made. Taking one is a `create()`, so two identical simultaneous submissions
 * cannot both win; replacing a stale one is a transaction on that one document, which only identical
 * submissions by the same user ever contend on.
 */
export interface DedupClaim {
  jobId: string;
  createdAt: number;
}

/** How long a claim whose job document is not written yet still holds, in ms. @defaultValue 30_000 */
const ADMISSION_GRACE_MS = 30_000;

/** Claims kept after their window for a day, then removed by a TTL policy on `expireAt`. */
const CLAIM_RETENTION_MS = 86_400_000;

function claimRef(firestore: Firestore, userId: string, cacheKey: string) {
  const id = createHash("sha256").update(`${userId}:${cacheKey}`).digest("hex");
  return firestore.collection(COLLECTIONS.dedupClaims).doc(id);
}

/** Whether `claim` still answers repeats at `now`, given its job's status. */
export function claimHolds(
  claim: DedupClaim,
  jobStatus: JobStatus | undefined,
  now: number,
  windowMs: number,
) {
  // No job document yet: its submission is still being admitted (claim first, job second), so the
  // claim holds for a grace period; a rolled-back admission drops its claim explicitly.
  if (jobStatus === undefined) return now - claim.createdAt < Math.max(windowMs, ADMISSION_GRACE_MS);
  // A repeat right after a success gets that result; after a failure or a cancel it is a new try.
  if (!isTerminal(jobStatus)) return true;
  return jobStatus === "completed" && now - claim.createdAt < windowMs;
}

async function readJobStatus(firestore: Firestore, jobId: string): Promise<JobStatus | undefined> {
  const snap = await firestore.collection(COLLECTIONS.jobs).doc(jobId).get();
  return snap.exists ? (snap.get("status") as JobStatus) : undefined;
}

/** The job id of a holding claim, or undefined. Reads: 1 (claim) + 1 (its job) when a claim exists. */
export async function findHoldingClaim(
  firestore: Firestore,
  userId: string,
  cacheKey: string,
  now: number,
  windowMs: number,
): Promise<string | undefined> {
  const snap = await claimRef(firestore, userId, cacheKey).get();
  if (!snap.exists) return undefined;
  const claim = {
    jobId: snap.get("jobId") as string,
    createdAt: (snap.get("createdAt") as Timestamp).toMillis(),
  };
  return claimHolds(claim, await readJobStatus(firestore, claim.jobId), now, windowMs)
    ? claim.jobId
    : undefined;
}

/**
 * Claims the request for `jobId`. Returns `{won: true}` or, when another job holds the claim,
 * `{won: false, jobId}` of that job. Writes: 1 `create()`, or a transaction when a stale claim exists.
 */
export async function takeClaim(
  firestore: Firestore,
  userId: string,
  cacheKey: string,
  jobId: string,
  now: number,
  windowMs: number,
): Promise<{ won: true } | { won: false; jobId: string }> {
  const ref = claimRef(firestore, userId, cacheKey);
  const fields = {
    userId,
    jobId,
    createdAt: Timestamp.fromMillis(now),
    expireAt: Timestamp.fromMillis(now + windowMs + CLAIM_RETENTION_MS),
  };
  try {
    await ref.create(fields);
    return { won: true };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  return firestore.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.exists) {
      const claim = {
        jobId: snap.get("jobId") as string,
        createdAt: (snap.get("createdAt") as Timestamp).toMillis(),
      };
      const jobSnap = await tx.get(firestore.collection(COLLECTIONS.jobs).doc(claim.jobId));
      const status = jobSnap.exists ? (jobSnap.get("status") as JobStatus) : undefined;
      if (claimHolds(claim, status, now, windowMs)) return { won: false as const, jobId: claim.jobId };
    }
    tx.set(ref, fields);
    return { won: true as const };
  });
}

/** Drops the claim if it still names `jobId` (an admission that was rolled back). */
export async function dropClaim(firestore: Firestore, userId: string, cacheKey: string, jobId: string) {
  const ref = claimRef(firestore, userId, cacheKey);
  await firestore.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.exists && snap.get("jobId") === jobId) tx.delete(ref);
  });
}
