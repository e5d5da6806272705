import { Timestamp, type Firestore, type Transaction } from "@google-cloud/firestore";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";

/**
 * The per-user active-job limit as slot documents `userSlots/{uid}_{k}`, k in [0, limit).
 *
 * Admitting a job creates one free slot document with `create()`, which fails atomically when the
 * document exists, so N simultaneous submissions by one user get exactly `limit` slots without a
 * transaction on a shared counter (a hot document stalls the emulator and, in production, sustains
 * about one write per second). Each slot document is written twice per job: created at admission,
 * deleted when the job ends. Reads/writes: one `create()` per slot tried (at most `limit`).
 */
export function slotRef(firestore: Firestore, userId: string, slot: number) {
  return firestore.collection(COLLECTIONS.userSlots).doc(`${userId}_${slot}`);
}

/** Takes the first free slot, or returns undefined when all `limit` are held. */
export async function acquireSlot(
  firestore: Firestore,
  userId: string,
  jobId: string,
  limit: number,
  now: number,
): Promise<number | undefined> {
  for (let slot = 0; slot < limit; slot++) {
    try {
      await slotRef(firestore, userId, slot).create({ userId, jobId, acquiredAt: Timestamp.fromMillis(now) });
      return slot;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  return undefined;
}

/** Frees a slot outside a transaction (undoing an admission), only if it still holds `jobId`. */
export async function releaseSlot(firestore: Firestore, userId: string, slot: number, jobId: string) {
  await firestore.runTransaction(async (tx) => {
    const ref = slotRef(firestore, userId, slot);
    const snap = await tx.get(ref);
    if (snap.exists && snap.get("jobId") === jobId) tx.delete(ref);
  });
}

/**
 * Inside a job's terminal transaction: reads the slot (call before any write), and returns the write
 * that frees it if it still belongs to `jobId`.
 */
export async function prepareSlotRelease(
  tx: Transaction,
  firestore: Firestore,
  userId: string,
  slot: number | null,
  jobId: string,
): Promise<(() => void) | undefined> {
  if (slot === null) return undefined;
  const ref = slotRef(firestore, userId, slot);
  const snap = await tx.get(ref);
  if (!snap.exists || snap.get("jobId") !== jobId) return undefined;
  return () => tx.delete(ref);
}

/** How many slots a user holds (for the 429 body). One aggregation read. */
export async function heldSlots(firestore: Firestore, userId: string): Promise<number> {
  const snap = await firestore.collection(COLLECTIONS.userSlots).where("userId", "==", userId).count().get();
  return snap.data().count;
}
