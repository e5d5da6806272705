import { createHash } from "node:crypto";
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";
import type { IdempotencyStart, JobStore, StoredResponse } from "./job-store.ts";
import type { OpMeter } from "./op-meter.ts";

/** How long a key is remembered, in ms. @defaultValue 24 h (as Stripe and the IETF draft suggest) */
export const KEY_RETENTION_MS = 86_400_000;
/** A pending record older than this is considered abandoned (its request crashed), in ms. */
export const PENDING_TIMEOUT_MS = 60_000;

function recordRef(firestore: Firestore, userId: string, key: string) {
  const id = createHash("sha256").update(`${userId}:${key}`).digest("hex");
  return firestore.collection(COLLECTIONS.idempotencyKeys).doc(id);
}

/**
 * Starts a request under an `Idempotency-Key`: records it as pending with the request's fingerprint,
 * or reports what an earlier request with that key did. Keys are per user.
 */
async function startIdempotent(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  key: string,
  fingerprint: string,
  now: number,
): Promise<IdempotencyStart> {
  const ref = recordRef(firestore, userId, key);
  const pending = {
    userId,
    fingerprint,
    state: "pending",
    createdAt: Timestamp.fromMillis(now),
    expireAt: Timestamp.fromMillis(now + KEY_RETENTION_MS),
  };
  try {
    await ref.create(pending);
    meter.write();
    return { kind: "new" };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const started = await firestore.runTransaction(async (tx): Promise<IdempotencyStart> => {
    const snap = await tx.get(ref);
    if (!snap.exists) {
      tx.create(ref, pending);
      return { kind: "new" };
    }
    if (snap.get("fingerprint") !== fingerprint) return { kind: "mismatch" };
    if (snap.get("state") === "done")
      return { kind: "replay", response: snap.get("response") as StoredResponse };
    const startedAt = (snap.get("createdAt") as Timestamp).toMillis();
    if (now - startedAt < PENDING_TIMEOUT_MS) return { kind: "in-progress" };
    tx.set(ref, pending);
    return { kind: "new" };
  });
  meter.read();
  if (started.kind === "new") meter.write();
  return started;
}

/** Stores the response to replay for this key. */
async function finishIdempotent(
  firestore: Firestore,
  meter: OpMeter,
  userId: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await recordRef(firestore, userId, key).update({ state: "done", response });
  meter.write();
}

/** Forgets the key (the request was rejected), so the client may retry with it. */
async function abandonIdempotent(firestore: Firestore, meter: OpMeter, userId: string, key: string) {
  await recordRef(firestore, userId, key).delete();
  meter.delete();
}

/** Idempotency records in Firestore: `idempotencyKeys/{sha256(uid:key)}`. */
export function firestoreIdempotency(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "startIdempotent" | "finishIdempotent" | "abandonIdempotent"> {
  return {
    startIdempotent: (userId, key, fingerprint, now) =>
      startIdempotent(firestore, meter, userId, key, fingerprint, now),
    finishIdempotent: (userId, key, response) => finishIdempotent(firestore, meter, userId, key, response),
    abandonIdempotent: (userId, key) => abandonIdempotent(firestore, meter, userId, key),
  };
}
