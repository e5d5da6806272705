import { AggregateField, Timestamp, type Firestore, type WriteBatch } from "@google-cloud/firestore";
import { dayEndsAt, newCharge, SPEND_DAY_MS, type JobSpend } from "../spend-budget.ts";
import { COLLECTIONS } from "./collections.ts";
import type { JobStore } from "./job-store.ts";
import { countReads, type OpMeter } from "./op-meter.ts";

/**
 * The daily spend budget's ledger: one document per admitted job, `spend/{uid}_{day}_{jobId}`,
 * holding `micros`: the hold while the job runs, its charge once it ended (written in the same
 * commit as the job's terminal state, see `firestore-apply.ts`). A user's spend for a day is the
 * `sum()` of their entries, so no document is written by more than its own job: no counter to
 * contend on, however many of one user's jobs run or end at once. A TTL policy on `expireAt`
 * deletes entries after their day.
 *
 * Operations: a hold is 1 write; a day's total (or the part up to an order) is 1 aggregation read
 * per 1,000 entries; the
 * undo of a refused admission is 1 delete; the settlement is 1 write inside the terminal commit.
 */
export function spendRef(firestore: Firestore, userId: string, day: number, jobId: string) {
  return firestore.collection(COLLECTIONS.spend).doc(`${userId}_${day}_${jobId}`);
}

/** How long an entry outlives its day before the TTL policy may delete it, in ms. @defaultValue 2 days */
const ENTRY_GRACE_MS = 2 * SPEND_DAY_MS;

/** An entry's fields (all but its `order`), deletable by the TTL policy once its day is over. */
function entryFields(userId: string, day: number, jobId: string, micros: number) {
  return { userId, day, jobId, micros, expireAt: Timestamp.fromMillis(dayEndsAt(day) + ENTRY_GRACE_MS) };
}

async function holdSpend(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  jobId: string,
  spend: JobSpend,
  order: string,
) {
  const entry = { ...entryFields(userId, spend.day, jobId, spend.heldMicros), order };
  await spendRef(firestore, userId, spend.day, jobId).create(entry);
  meter.write();
}

async function daySpend(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  day: number,
  upTo: string | undefined,
): Promise<number> {
  const all = firestore.collection(COLLECTIONS.spend).where("userId", "==", userId).where("day", "==", day);
  const entries = upTo === undefined ? all : all.where("order", "<=", upTo);
  const snap = await entries
    .aggregate({ entries: AggregateField.count(), micros: AggregateField.sum("micros") })
    .get();
  const { entries: count, micros } = snap.data();
  meter.read(countReads(count));
  return micros ?? 0;
}

async function dropSpend(firestore: Firestore, meter: OpMeter, userId: string, day: number, jobId: string) {
  await spendRef(firestore, userId, day, jobId).delete();
  meter.delete();
}

/**
 * Adds a job's settlement to a commit when its decision charged it: the entry then says what the
 * job cost. A merging `set` rather than an update, so a settlement can never fail the job's
 * terminal write (and keeps the entry's `order`).
 * Returns the writes added (0 or 1).
 */
export function settleSpendIn(
  batch: WriteBatch,
  firestore: Firestore,
  userId: string,
  jobId: string,
  before: JobSpend | null,
  after: JobSpend | null,
): number {
  const charge = newCharge(before, after);
  if (after === null || charge === null) return 0;
  const entry = entryFields(userId, after.day, jobId, charge);
  batch.set(spendRef(firestore, userId, after.day, jobId), entry, { merge: true });
  return 1;
}

/** The spend ledger in Firestore. */
export function firestoreSpendLedger(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "holdSpend" | "daySpend" | "dropSpend"> {
  return {
    holdSpend: (userId, jobId, spend, order) => holdSpend(firestore, meter, userId, jobId, spend, order),
    daySpend: (userId, day, upTo) => daySpend(firestore, meter, userId, day, upTo),
    dropSpend: (userId, day, jobId) => dropSpend(firestore, meter, userId, day, jobId),
  };
}
