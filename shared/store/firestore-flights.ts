import { FieldValue, Timestamp, type DocumentSnapshot, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { COLLECTIONS } from "./collections.ts";
import { decodeCacheEntry } from "./firestore-cache-entries.ts";
import { isAlreadyExists, isPreconditionFailed } from "./firestore-errors.ts";
import { FLIGHT_RETENTION_MS, flightDecision, flightLive, type CacheSlot } from "./flight-rules.ts";
import type { FlightStart, JobStore } from "./job-store.ts";
import type { OpMeter } from "./op-meter.ts";

/** Reads of a changing cache document before giving up. @defaultValue 5 */
const MAX_TRIES = 5;

const flightField = z.object({ jobId: z.string(), until: z.instanceof(Timestamp) });

function decodeSlot(snap: DocumentSnapshot, now: number): CacheSlot {
  const entry = snap.exists ? decodeCacheEntry(snap.data()) : undefined;
  const flight = flightField.safeParse(snap.get("flight"));
  return {
    entry: entry !== undefined && entry.expireAt > now ? entry : undefined,
    flight: flight.success ? { jobId: flight.data.jobId, until: flight.data.until.toMillis() } : undefined,
  };
}

/**
 * Single-flight on `cache/{cacheKey}`: the generating job's id and lease end are a `flight` field
 * of the cache document, which the result then replaces (`putCacheEntry` sets the whole document).
 * The common case, a request nobody else is generating, costs one `create()` and no read.
 */
export function firestoreFlights(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "startFlight" | "awaitFlight" | "endFlight"> {
  const ref = (key: string) => firestore.collection(COLLECTIONS.cache).doc(key);
  return {
    async startFlight(cacheKey, request) {
      const flight = { jobId: request.jobId, until: Timestamp.fromMillis(request.until) };
      const expireAt = Timestamp.fromMillis(request.until + FLIGHT_RETENTION_MS);
      for (let tries = 1; ; tries++) {
        try {
          await ref(cacheKey).create({ flight, expireAt });
          meter.write();
          return { kind: "lead" };
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
        const snap = await ref(cacheKey).get();
        meter.read();
        if (!snap.exists) continue; // deleted in between (TTL): create again
        const slot = decodeSlot(snap, request.now);
        const decision = flightDecision(slot, request);
        if (decision !== "take-over") return decision;
        // Keep a result that is still served to others (a bypassing job only declines it itself);
        // drop an expired one, or its revived `expireAt` would serve it again.
        const fields =
          slot.entry === undefined
            ? { flight, expireAt, result: FieldValue.delete(), jobId: FieldValue.delete() }
            : { flight };
        try {
          await ref(cacheKey).update(fields, { lastUpdateTime: snap.updateTime as Timestamp });
          meter.write();
          return { kind: "lead" } satisfies FlightStart;
        } catch (error) {
          if (!isPreconditionFailed(error) || tries >= MAX_TRIES) throw error;
        }
      }
    },
    awaitFlight(cacheKey, jobId, timeoutMs, signal) {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          unsubscribe();
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener("abort", done, { once: true });
        const unsubscribe = ref(cacheKey).onSnapshot(
          (snap) => {
            meter.read(); // one read per snapshot received
            if (!flightLive(decodeSlot(snap, Date.now()), jobId, Date.now())) done();
          },
          () => done(), // a broken listener: the caller looks again itself
        );
        if (signal.aborted) done();
      });
    },
    async endFlight(cacheKey, jobId) {
      const ended = await firestore.runTransaction(async (tx) => {
        const snap = await tx.get(ref(cacheKey));
        if (!snap.exists || snap.get("flight.jobId") !== jobId) return "none" as const;
        if (snap.get("result") === undefined) {
          tx.delete(ref(cacheKey));
          return "deleted" as const;
        }
        tx.update(ref(cacheKey), { flight: FieldValue.delete() });
        return "updated" as const;
      });
      meter.read();
      if (ended === "deleted") meter.delete();
      if (ended === "updated") meter.write();
    },
  };
}
