import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { COLLECTIONS } from "./collections.ts";
import { decodeJob } from "./job-document.ts";
import type { JobStore } from "./job-store.ts";
import { queryReads, type OpMeter } from "./op-meter.ts";

/**
 * The sweeper's queries on `jobs`, each oldest first and bounded, each served by a composite index
 * of firestore.indexes.json (status + leaseExpiresAt, status + updatedAt), or by the automatic
 * single-field index (`webhook.checkAt`).
 */
export function firestoreSweeperQueries(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "expiredLeases" | "staleQueued" | "dueWebhooks"> {
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
    async dueWebhooks(now, limit) {
      // One field, so Firestore's automatic single-field index serves it (no composite index).
      const snap = await jobs
        .where("webhook.checkAt", "<", Timestamp.fromMillis(now))
        .orderBy("webhook.checkAt")
        .limit(limit)
        .get();
      meter.read(queryReads(snap.size));
      return snap.docs.map((doc) => decodeJob(doc.id, doc.data()));
    },
  };
}
