import { Timestamp, type Firestore, type Query } from "@google-cloud/firestore";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";
import type { JobStore } from "./job-store.ts";
import { queryReads, type OpMeter } from "./op-meter.ts";
import { meteredCount } from "./slot-documents.ts";

/**
 * `queueThresholds/{level}`: present while the queue depth is at or above that level since it last
 * crossed it (server-only, like every collection but `jobs`). Created by the admission that crossed,
 * deleted by the sweeper once the depth is well below again.
 */
export const THRESHOLDS_COLLECTION = "queueThresholds";

type QueueFigures = Pick<JobStore, "queueCounts" | "markThresholdCrossed" | "clearThresholdCrossed">;

/**
 * The queue-wide figures on Firestore. The counts are aggregations (one read per 1,000 index entries
 * each, at least one); the retry-wait count and the oldest waiting job use the composite indexes
 * (status + nextAttemptAt, status + attempts + createdAt) of firestore.indexes.json.
 *
 * Operations per `queueCounts`: 4 aggregation reads (queued, retry-wait, processing, dead letters)
 * at one read each up to 1,000 entries, 1 read for the oldest waiting job, and one read per slot
 * document (at least one) for the active users: Firestore has no distinct count, and the slot
 * documents are few, one per active job (at most QUEUE_CAPACITY, plus admissions being undone).
 */
export function firestoreQueueFigures(firestore: Firestore, meter: OpMeter): QueueFigures {
  const jobs = firestore.collection(COLLECTIONS.jobs);
  const thresholds = firestore.collection(THRESHOLDS_COLLECTION);
  const count = (query: Query) => meteredCount(meter, query);
  const queued = jobs.where("status", "==", "queued");
  return {
    async queueCounts(now, slotLimit) {
      const [queuedJobs, retryWait, processing, deadLetters, oldest, users] = await Promise.all([
        count(queued),
        count(queued.where("nextAttemptAt", ">", Timestamp.fromMillis(now))),
        count(jobs.where("status", "==", "processing")),
        count(firestore.collection(COLLECTIONS.deadLetters)),
        oldestWaiting(queued, meter),
        activeUsers(firestore, meter, slotLimit),
      ]);
      return {
        queued: queuedJobs,
        retryWait,
        processing,
        deadLetters,
        activeUsers: users,
        oldestWaitingSince: oldest,
      };
    },
    // One write when it crosses; a failed create() (already crossed) is not billed.
    async markThresholdCrossed(level, depth, now) {
      try {
        await thresholds.doc(level).create({ level, depth, crossedAt: Timestamp.fromMillis(now) });
        meter.write();
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    },
    async clearThresholdCrossed(level) {
      await thresholds.doc(level).delete();
      meter.delete();
    },
  };
}

/** `createdAt` of the oldest queued job no attempt has started yet (a retry waits on purpose). */
async function oldestWaiting(queued: Query, meter: OpMeter): Promise<number | null> {
  const snap = await queued.where("attempts", "==", 0).orderBy("createdAt").limit(1).get();
  meter.read(queryReads(snap.size));
  const first = snap.docs[0]?.get("createdAt") as Timestamp | undefined;
  return first === undefined ? null : first.toMillis();
}

/** Distinct `userId`s over the first `limit` slot documents (only the field is sent back). */
async function activeUsers(firestore: Firestore, meter: OpMeter, limit: number): Promise<number> {
  const snap = await firestore.collection(COLLECTIONS.userSlots).select("userId").limit(limit).get();
  meter.read(queryReads(snap.size));
  return new Set(snap.docs.map((doc) => String(doc.get("userId")))).size;
}
