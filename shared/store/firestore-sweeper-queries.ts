import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { COLLECTIONS } from "./collections.ts";
import { decodeJob } from "./job-document.ts";
import type { JobStore } from "./job-store.ts";
import { queryReads, type OpMeter } from "./op-meter.ts";

/**
 * The sweeper's queries on `jobs`, each oldest first and bounded, each served by a composite index
 * of firestore.indexes.json (status + leaseExpiresAt, status + updatedAt).
 */
export function firestoreSweeperQueries(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "expiredLeases" | "staleQueued"> {
  const jobs = firestore.collection(COLLECTIONS.jobs);
  return {
    async expiredLeases(now, limit) {
      const snap = await jobs
        .where("status", "==", "processing")
        .where("leaseExpiresAt", "<", Timestamp.fromMillis(now))
        .orderBy("leaseExpiresAt")
        .limit(limit)
        .get();
      meter.read(queryReads(snap.size));
      return snap.docs.map((doc) => doc.id);
    },
    async staleQueued(before, limit) {
      const snap = await jobs
        .where("status", "==", "queued")
        .where("updatedAt", "<", Timestamp.fromMillis(before))
        .orderBy("updatedAt")
        .limit(limit)
        .get();
      meter.read(queryReads(snap.size));
      return snap.docs.map((doc) => decodeJob(doc.id, doc.data()));
    },
  };
}
