import type { DocumentData, DocumentReference, Query } from "@google-cloud/firestore";
import { isAlreadyExists } from "./firestore-errors.ts";
import { countReads, type OpMeter } from "./op-meter.ts";

/**
 * Creates the first of `slots`, in the order given, whose document does not exist yet, and returns
 * its number; undefined when all exist. `create()` fails atomically on an existing document, so
 * however many callers walk at once, each slot goes to exactly one. One write, plus one failed
 * `create()` per slot found taken.
 */
export async function createFirstFree(
  meter: OpMeter,
  slots: Iterable<number>,
  refOf: (slot: number) => DocumentReference,
  data: DocumentData,
): Promise<number | undefined> {
  for (const slot of slots) {
    try {
      await refOf(slot).create(data);
      meter.write();
      return slot;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  return undefined;
}

/** A query's `count()`, metered as Firestore bills it (one read per 1,000 index entries). */
export async function meteredCount(meter: OpMeter, query: Query): Promise<number> {
  const snap = await query.count().get();
  meter.read(countReads(snap.data().count));
  return snap.data().count;
}
