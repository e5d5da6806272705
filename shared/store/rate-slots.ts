import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { firstSlotToTry } from "../submission/rate-window.ts";
import { COLLECTIONS } from "./collections.ts";
import type { JobStore } from "./job-store.ts";
import type { OpMeter } from "./op-meter.ts";
import { createFirstFree, meteredCount } from "./slot-documents.ts";

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
  const minute = firestore
    .collection(COLLECTIONS.rateSlots)
    .where("userId", "==", userId)
    .where("window", "==", window);
  const taken = await meteredCount(meter, minute);
  if (taken >= limit) return undefined;
  const start = firstSlotToTry(taken, limit);
  // From the count onwards, then round to the slots before it (freed by refused submissions).
  const slots = Array.from({ length: limit }, (_, i) => (start + i) % limit);
  const data = { userId, window, expireAt: Timestamp.fromMillis(expireAt) };
  return createFirstFree(meter, slots, (slot) => rateSlotRef(firestore, userId, window, slot), data);
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
