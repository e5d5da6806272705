import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { firstSlotToTry } from "../submission/rate-window.ts";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";
import type { JobStore } from "./job-store.ts";
import { countReads, type OpMeter } from "./op-meter.ts";

/**
 * The per-user submission rate as slot documents `rateSlots/{uid}_{window}_{k}`, k < the limit, one
 * per submission in that calendar minute (`window`: minutes since the epoch).
 *
 * A submission creates one free slot with `create()`, which fails atomically when the document
 * exists, so however many requests of one user arrive at once, exactly `limit` get a slot in a
 * window: exact under concurrency with no counter document (a per-user counter would take every
 * submission's write through one document, in a transaction that simultaneous submissions abort).
 * Slots are never freed early except by the undo of a refused submission; a TTL policy on `expireAt`
 * deletes them after their window.
 *
 * Operations per submission: 1 aggregation read (the slots taken, which is where the walk starts and
 * answers a full window without any write), then 1 `create()`, plus one failed `create()` per slot
 * a simultaneous submission took first.
 */
function rateSlotRef(firestore: Firestore, userId: string, window: number, slot: number) {
  return firestore.collection(COLLECTIONS.rateSlots).doc(`${userId}_${window}_${slot}`);
}

async function takeRateSlot(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  window: number,
  limit: number,
  expireAt: number,
): Promise<number | undefined> {
  const counted = await firestore
    .collection(COLLECTIONS.rateSlots)
    .where("userId", "==", userId)
    .where("window", "==", window)
    .count()
    .get();
  const taken = counted.data().count;
  meter.read(countReads(taken));
  if (taken >= limit) return undefined;
  const start = firstSlotToTry(taken, limit);
  for (let i = 0; i < limit; i++) {
    const slot = (start + i) % limit;
    try {
      await rateSlotRef(firestore, userId, window, slot).create({
        userId,
        window,
        expireAt: Timestamp.fromMillis(expireAt),
      });
      meter.write();
      return slot;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  return undefined;
}

/** Gives a slot back (a submission refused after it took one is not charged). */
async function releaseRateSlot(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  window: number,
  slot: number,
): Promise<void> {
  await rateSlotRef(firestore, userId, window, slot).delete();
  meter.delete();
}

/** The submission-rate slots in Firestore. */
export function firestoreRateSlots(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "takeRateSlot" | "releaseRateSlot"> {
  return {
    takeRateSlot: (userId, window, limit, expireAt) =>
      takeRateSlot(firestore, meter, userId, window, limit, expireAt),
    releaseRateSlot: (userId, window, slot) => releaseRateSlot(firestore, meter, userId, window, slot),
  };
}
