import { Timestamp, type Firestore } from "@google-cloud/firestore";
import type { Lane } from "../lanes.ts";
import { COLLECTIONS } from "./collections.ts";
import { decodeJob, JOB_ID } from "./job-document.ts";
import type { JobStore, SlotRecord } from "./job-store.ts";
import { queryReads, type OpMeter } from "./op-meter.ts";
import { createFirstFree, meteredCount } from "./slot-documents.ts";

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
async function acquireSlot(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  jobId: string,
  limit: number,
  now: number,
  lane: Lane,
): Promise<number | undefined> {
  const slots = Array.from({ length: limit }, (_, slot) => slot);
  // `batch` (1 or 0) says the lane, for the lanes' counts (`countLaneSlots`).
  const data = { userId, jobId, acquiredAt: Timestamp.fromMillis(now), batch: lane === "batch" ? 1 : 0 };
  return createFirstFree(meter, slots, (slot) => slotRef(firestore, userId, slot), data);
}

/** Frees a slot outside a transaction (undoing an admission), only if it still holds `jobId`. */
async function releaseSlot(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  slot: number,
  jobId: string,
) {
  const released = await firestore.runTransaction(async (tx) => {
    const ref = slotRef(firestore, userId, slot);
    const snap = await tx.get(ref);
    if (!snap.exists || snap.get("jobId") !== jobId) return false;
    tx.delete(ref);
    return true;
  });
  meter.read();
  if (released) meter.delete();
  return released;
}

/** How many slots a user holds (for the 429 body). One aggregation read. */
async function heldSlots(firestore: Firestore, meter: OpMeter, userId: string): Promise<number> {
  return meteredCount(meter, firestore.collection(COLLECTIONS.userSlots).where("userId", "==", userId));
}

/** Slots held by all users. One aggregation read per 1,000 slots. */
async function countAllSlots(firestore: Firestore, meter: OpMeter): Promise<number> {
  return meteredCount(meter, firestore.collection(COLLECTIONS.userSlots));
}

/** Slots acquired before `before` (ms): a queued job's place in line. One aggregation read per 1,000. */
async function countSlotsBefore(firestore: Firestore, meter: OpMeter, before: number): Promise<number> {
  const earlier = firestore
    .collection(COLLECTIONS.userSlots)
    .where("acquiredAt", "<", Timestamp.fromMillis(before));
  return meteredCount(meter, earlier);
}

/**
 * Slots of one lane (all users), acquired before `before` (ms) when given: one aggregation read
 * per 1,000 of them. Slot documents written before lanes have no `batch` field and count in
 * neither lane (only in `countAllSlots`); they end with their jobs.
 */
async function countLaneSlots(firestore: Firestore, meter: OpMeter, lane: Lane, before?: number) {
  const inLane = firestore.collection(COLLECTIONS.userSlots).where("batch", "==", lane === "batch" ? 1 : 0);
  const slots = before === undefined ? inLane : inLane.where("acquiredAt", "<", Timestamp.fromMillis(before));
  return meteredCount(meter, slots);
}

/** Slots acquired before `before` (ms), oldest first, each with the job it names as stored now. */
async function oldSlots(
  firestore: Firestore,
  meter: OpMeter,
  before: number,
  limit: number,
): Promise<SlotRecord[]> {
  const snap = await firestore
    .collection(COLLECTIONS.userSlots)
    .where("acquiredAt", "<", Timestamp.fromMillis(before))
    .orderBy("acquiredAt")
    .limit(limit)
    .get();
  meter.read(queryReads(snap.size));
  const slots = snap.docs.map((doc) => ({
    userId: String(doc.get("userId")),
    slot: Number(doc.id.slice(doc.id.lastIndexOf("_") + 1)),
    jobId: String(doc.get("jobId")),
    acquiredAt: (doc.get("acquiredAt") as Timestamp).toMillis(),
  }));
  const named = slots.filter((s) => JOB_ID.test(s.jobId));
  const jobs = firestore.collection(COLLECTIONS.jobs);
  // One round trip for the page's jobs. A malformed job document throws: its slot is kept, not guessed at.
  const snaps = named.length === 0 ? [] : await firestore.getAll(...named.map((s) => jobs.doc(s.jobId)));
  meter.read(snaps.length);
  const byId = new Map(snaps.map((s) => [s.id, s.exists ? decodeJob(s.id, s.data()) : undefined]));
  return slots.map((s) => ({ ...s, job: byId.get(s.jobId) }));
}

/** The per-user slots in Firestore. */
export function firestoreSlots(
  firestore: Firestore,
  meter: OpMeter,
): Pick<
  JobStore,
  | "acquireSlot"
  | "releaseSlot"
  | "heldSlots"
  | "countAllSlots"
  | "countSlotsBefore"
  | "countLaneSlots"
  | "oldSlots"
> {
  return {
    acquireSlot: (userId, jobId, limit, now, lane = "interactive") =>
      acquireSlot(firestore, meter, userId, jobId, limit, now, lane),
    releaseSlot: (userId, slot, jobId) => releaseSlot(firestore, meter, userId, slot, jobId),
    heldSlots: (userId) => heldSlots(firestore, meter, userId),
    countAllSlots: () => countAllSlots(firestore, meter),
    countSlotsBefore: (before) => countSlotsBefore(firestore, meter, before),
    countLaneSlots: (lane, before) => countLaneSlots(firestore, meter, lane, before),
    oldSlots: (before, limit) => oldSlots(firestore, meter, before, limit),
  };
}
