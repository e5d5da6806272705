import { FieldValue, Timestamp, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { COLLECTIONS } from "./collections.ts";
import { millis, storedResult } from "./job-document.ts";
import type { JobStore } from "./job-store.ts";

/** A stored cache entry; entries from before `jobId` was recorded read as produced by nobody. */
const cacheDoc = z.object({
  result: storedResult,
  jobId: z.string().default(""),
  createdAt: millis,
  expireAt: millis,
  hits: z.number().default(0),
});

/**
 * `cache/{cacheKey}` in Firestore: the shared results, expiring through a TTL policy on `expireAt`.
 * A corrupt or old-shaped entry reads as a miss.
 */
export function firestoreCacheEntries(
  firestore: Firestore,
): Pick<JobStore, "getCacheEntry" | "putCacheEntry" | "addCacheHits"> {
  const ref = (key: string) => firestore.collection(COLLECTIONS.cache).doc(key);
  return {
    async getCacheEntry(cacheKey) {
      const snap = await ref(cacheKey).get();
      if (!snap.exists) return undefined;
      const parsed = cacheDoc.safeParse(snap.data());
      return parsed.success ? parsed.data : undefined;
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
    },
    async addCacheHits(cacheKey, count, now) {
      try {
        await ref(cacheKey).update({
          hits: FieldValue.increment(count),
          lastAccessedAt: Timestamp.fromMillis(now),
        });
      } catch (error) {
        // NOT_FOUND: the entry expired or was deleted meanwhile; its hits no longer matter.
        if ((error as { code?: unknown }).code !== 5) throw error;
      }
    },
  };
}
