import { FieldValue, Timestamp, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { COLLECTIONS } from "./collections.ts";
import { millis, storedResult } from "./job-document.ts";
import type { CacheEntry, JobStore } from "./job-store.ts";
import type { OpMeter } from "./op-meter.ts";

/** A stored cache entry; entries from before `jobId` was recorded read as produced by nobody. */
const cacheDoc = z.object({
  result: storedResult,
  jobId: z.string().default(""),
  createdAt: millis,
  expireAt: millis,
  hits: z.number().default(0),
});

/** A stored result entry, or undefined for anything else (a flight alone, a corrupt document). */
export function decodeCacheEntry(data: unknown): CacheEntry | undefined {
  const parsed = cacheDoc.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/**
 * `cache/{cacheKey}` in Firestore: the shared results, expiring through a TTL policy on `expireAt`.
 * A corrupt or old-shaped entry reads as a miss.
 */
export function firestoreCacheEntries(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "getCacheEntry" | "putCacheEntry" | "addCacheHits"> {
  const ref = (key: string) => firestore.collection(COLLECTIONS.cache).doc(key);
  return {
    async getCacheEntry(cacheKey) {
      const snap = await ref(cacheKey).get();
      meter.read();
      return snap.exists ? decodeCacheEntry(snap.data()) : undefined;
    },
    async putCacheEntry(cacheKey, entry) {
      await ref(cacheKey).set({
        result: entry.result,
        jobId: entry.jobId,
        createdAt: Timestamp.fromMillis(entry.createdAt),
        expireAt: Timestamp.fromMillis(entry.expireAt),
        lastAccessedAt: Timestamp.fromMillis(entry.createdAt),
        hits: 0,
      });
      meter.write();
    },
    async addCacheHits(cacheKey, count, now) {
      try {
        await ref(cacheKey).update({
          hits: FieldValue.increment(count),
          lastAccessedAt: Timestamp.fromMillis(now),
        });
        meter.write();
      } catch (error) {
        // NOT_FOUND: the entry expired or was deleted meanwhile; its hits no longer matter.
        if ((error as { code?: unknown }).code !== 5) throw error;
      }
    },
  };
}
