import type { Firestore } from "@google-cloud/firestore";
import { firestoreCacheEntries } from "./firestore-cache-entries.ts";
import { firestoreClaims } from "./dedup-claims.ts";
import { firestoreDeadLetters } from "./dead-letters.ts";
import { applyDecision } from "./firestore-apply.ts";
import { firestoreIdempotency } from "./idempotency-records.ts";
import { firestoreJobs } from "./firestore-jobs.ts";
import type { JobStore } from "./job-store.ts";
import { firestoreSweeperQueries } from "./firestore-sweeper-queries.ts";
import { firestoreSlots } from "./user-slots.ts";

/** The {@link JobStore} on Firestore (production; the emulator in tests and the local stack). */
export function firestoreJobStore(firestore: Firestore): JobStore {
  return {
    ...firestoreJobs(firestore),
    apply: (jobId, decide) => applyDecision(firestore, jobId, decide),
    ...firestoreSlots(firestore),
    ...firestoreClaims(firestore),
    ...firestoreIdempotency(firestore),
    ...firestoreCacheEntries(firestore),
    ...firestoreDeadLetters(firestore),
    ...firestoreSweeperQueries(firestore),
    async probe() {
      await firestore.collection("health").doc("probe").get();
    },
  };
}
