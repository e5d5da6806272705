import type { Firestore } from "@google-cloud/firestore";
import { firestoreCacheEntries } from "./firestore-cache-entries.ts";
import { firestoreClaims } from "./dedup-claims.ts";
import { firestoreDeadLetters } from "./dead-letters.ts";
import { applyDecision } from "./firestore-apply.ts";
import { firestoreFlights } from "./firestore-flights.ts";
import { firestoreIdempotency } from "./idempotency-records.ts";
import { firestoreJobs } from "./firestore-jobs.ts";
import type { JobStore } from "./job-store.ts";
import { NO_METER, type OpMeter } from "./op-meter.ts";
import { firestoreSweeperQueries } from "./firestore-sweeper-queries.ts";
import { firestoreQueueFigures } from "./firestore-queue-figures.ts";
import { firestoreRateSlots } from "./rate-slots.ts";
import { firestoreSpendLedger } from "./spend-ledger.ts";
import { firestoreSlots } from "./user-slots.ts";
import { firestoreWebhookSecrets } from "./webhook-secrets.ts";

/**
 * The {@link JobStore} on Firestore (production; the emulator in tests and the local stack). Every
 * operation it does is reported to `meter`, so a request's Firestore cost is counted, not estimated.
 */
export function firestoreJobStore(firestore: Firestore, meter: OpMeter = NO_METER): JobStore {
  return {
    ...firestoreJobs(firestore, meter),
    apply: (jobId, decide, known) => applyDecision(firestore, meter, jobId, decide, known),
    ...firestoreSlots(firestore, meter),
    ...firestoreRateSlots(firestore, meter),
    ...firestoreSpendLedger(firestore, meter),
    ...firestoreClaims(firestore, meter),
    ...firestoreIdempotency(firestore, meter),
    ...firestoreCacheEntries(firestore, meter),
    ...firestoreFlights(firestore, meter),
    ...firestoreDeadLetters(firestore, meter),
    ...firestoreSweeperQueries(firestore, meter),
    ...firestoreQueueFigures(firestore, meter),
    ...firestoreWebhookSecrets(firestore, meter),
    async probe() {
      await firestore.collection("health").doc("probe").get();
      meter.read();
    },
  };
}
