import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { COLLECTIONS } from "./collections.ts";

/**
 * Ends a lease early, if `leaseId` still holds it: `leaseExpiresAt` becomes `now`, so the next
 * delivery applies `lease-expired` and claims the job instead of waiting the lease out. The holder
 * only does this when it is giving up (a crash it caught), never while its work may still finish.
 * Reads 1, writes 1.
 */
export async function releaseLease(firestore: Firestore, jobId: string, leaseId: string, now: number) {
  const ref = firestore.collection(COLLECTIONS.jobs).doc(jobId);
  await firestore.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("status") !== "processing" || snap.get("leaseId") !== leaseId) return;
    tx.update(ref, { leaseExpiresAt: Timestamp.fromMillis(now), updatedAt: Timestamp.fromMillis(now) });
  });
}
