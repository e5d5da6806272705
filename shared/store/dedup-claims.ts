import { createHash } from "node:crypto";
import { Timestamp, type Firestore, type Transaction } from "@google-cloud/firestore";
import type { JobStatus } from "../job-state.ts";
import { claimView, type StoredClaim } from "./claim-rules.ts";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";
import type { ClaimView, JobStore, NewClaim } from "./job-store.ts";
import { decodeJob } from "./job-document.ts";
import type { OpMeter } from "./op-meter.ts";

/**
 * Per-user dedup in Firestore: `dedupClaims/{sha256(uid:cacheKey)}` names the job that answers a
 * user's repeat of the same normalised request (rules in `claim-rules.ts`). Taking one is a
 * `create()`, so two identical simultaneous submissions cannot both win; replacing a stale one is a
 * transaction on that one document, which only identical submissions by one user contend on.
 */

/** Claims kept after their window for a day, then removed by a TTL policy on `expireAt`. */
const CLAIM_RETENTION_MS = 86_400_000;

function claimRef(firestore: Firestore, userId: string, cacheKey: string) {
  const id = createHash("sha256").update(`${userId}:${cacheKey}`).digest("hex");
  return firestore.collection(COLLECTIONS.dedupClaims).doc(id);
}

function decodeClaim(data: FirebaseFirestore.DocumentData): StoredClaim {
  return {
    jobId: data.jobId as string,
    createdAt: (data.createdAt as Timestamp).toMillis(),
    // Claims written before admission tracking existed were only ever written for admitted jobs.
    admitted: data.admitted !== false,
  };
}

type JobFacts = { status: JobStatus; cancelRequested: boolean } | undefined;
function jobFacts(snap: FirebaseFirestore.DocumentSnapshot): JobFacts {
  if (!snap.exists) return undefined;
  return { status: snap.get("status") as JobStatus, cancelRequested: snap.get("cancelRequested") === true };
}

export function firestoreClaims(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "findClaim" | "takeClaim" | "dropClaim"> {
  const jobRef = (jobId: string) => firestore.collection(COLLECTIONS.jobs).doc(jobId);
  return {
    // Reads: 1 (claim) + 1 (its job) when a claim exists.
    async findClaim(userId, cacheKey, now, windowMs) {
      const snap = await claimRef(firestore, userId, cacheKey).get();
      meter.read();
      if (!snap.exists) return undefined;
      const claim = decodeClaim(snap.data() ?? {});
      const job = await jobRef(claim.jobId).get();
      meter.read();
      const view = claimView(claim, jobFacts(job), now, windowMs);
      return view && job.exists ? { ...view, job: decodeJob(job.id, job.data()) } : view;
    },
    // Writes: 1 `create()` (or `set()` when forced), or a transaction when a stale claim exists.
    async takeClaim(claim: NewClaim) {
      const ref = claimRef(firestore, claim.userId, claim.cacheKey);
      const fields = {
        userId: claim.userId,
        jobId: claim.jobId,
        admitted: claim.admitted,
        createdAt: Timestamp.fromMillis(claim.now),
        expireAt: Timestamp.fromMillis(claim.now + claim.windowMs + CLAIM_RETENTION_MS),
      };
      if (claim.force === true) {
        await ref.set(fields);
        meter.write();
        return { won: true as const };
      }
      try {
        await ref.create(fields);
        meter.write();
        return { won: true as const };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      const taken = await firestore.runTransaction(async (tx: Transaction) => {
        const snap = await tx.get(ref);
        meter.read();
        if (snap.exists) {
          const stored = decodeClaim(snap.data() ?? {});
          const view: ClaimView | undefined = claimView(
            stored,
            jobFacts(await tx.get(jobRef(stored.jobId)).finally(() => meter.read())),
            claim.now,
            claim.windowMs,
          );
          if (view !== undefined && view.jobId !== claim.jobId) return { won: false as const, claim: view };
        }
        tx.set(ref, fields);
        return { won: true as const };
      });
      if (taken.won) meter.write();
      return taken;
    },
    async dropClaim(userId, cacheKey, jobId) {
      const ref = claimRef(firestore, userId, cacheKey);
      const dropped = await firestore.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        if (!snap.exists || snap.get("jobId") !== jobId) return false;
        tx.delete(ref);
        return true;
      });
      meter.read();
      if (dropped) meter.delete();
    },
  };
}
