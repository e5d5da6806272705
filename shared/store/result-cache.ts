import { FieldValue, Timestamp, type Firestore } from "@google-cloud/firestore";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.ts";
import { COLLECTIONS } from "./collections.ts";
import { storedResult, type JobResult } from "./job-document.ts";

/**
 * The shared result cache: `cache/{cacheKey}` in Firestore (L2, the truth, expiring through a TTL
 * policy on `expireAt`), with Redis as an optional L1. Redis trouble never reaches a client: every
 * Redis call is bounded and its failure logged as a warning, then Firestore answers alone.
 */
export interface ResultCache {
  get(cacheKey: string, now: number): Promise<JobResult | undefined>;
  put(cacheKey: string, result: JobResult, now: number): Promise<void>;
  /** Counts a hit; a popular entry is written at most once per second per instance (see below). */
  recordHit(cacheKey: string, now: number): Promise<void>;
}

export interface ResultCacheOptions {
  /** How long an entry is served, in ms. @defaultValue 30 days (config `CACHE_TTL_DAYS`) */
  ttlMs: number;
  /** Longest an entry stays in Redis, in ms; Firestore keeps it for the full TTL. @defaultValue 1 day */
  l1TtlMs?: number;
  /** Fewest ms between two hit-counter writes to one entry from this instance. @defaultValue 1_000 */
  hitFlushMs?: number;
}

export function createResultCache(
  firestore: Firestore,
  redis: Redis | undefined,
  logger: Logger,
  options: ResultCacheOptions,
): ResultCache {
  const l1TtlMs = options.l1TtlMs ?? 86_400_000;
  const hitFlushMs = options.hitFlushMs ?? 1_000;
  const ref = (key: string) => firestore.collection(COLLECTIONS.cache).doc(key);
  const l1Key = (key: string) => `cache:${key}`;
  // Hits not yet written, per key: a hot key gets one increment(n) per second from each instance
  // instead of one write per hit (Firestore sustains about one write per second on one document).
  const pendingHits = new Map<string, { count: number; lastWrite: number }>();

  async function l1<T>(what: string, call: (r: Redis) => Promise<T>): Promise<T | undefined> {
    if (redis === undefined) return undefined;
    try {
      return await call(redis);
    } catch (error) {
      logger.warn({ err: error, op: what }, "redis unavailable; serving from Firestore alone");
      return undefined;
    }
  }

  return {
    async get(cacheKey, now) {
      const fromL1 = await l1("get", (r) => r.get(l1Key(cacheKey)));
      if (typeof fromL1 === "string") {
        const parsed = storedResult.safeParse(parseJson(fromL1));
        if (parsed.success) return parsed.data; // anything else (corrupt, old shape) is a miss
      }
      const snap = await ref(cacheKey).get();
      if (!snap.exists) return undefined;
      const expireAt = (snap.get("expireAt") as Timestamp).toMillis();
      // The TTL policy deletes within about a day of expiry, not at once: check it ourselves.
      if (expireAt <= now) return undefined;
      const parsed = storedResult.safeParse(snap.get("result"));
      if (!parsed.success) return undefined;
      const ttl = Math.min(l1TtlMs, expireAt - now);
      await l1("set", (r) => r.set(l1Key(cacheKey), JSON.stringify(parsed.data), "PX", ttl));
      return parsed.data;
    },
    async put(cacheKey, result, now) {
      await ref(cacheKey).set({
        result,
        createdAt: Timestamp.fromMillis(now),
        expireAt: Timestamp.fromMillis(now + options.ttlMs),
        lastAccessedAt: Timestamp.fromMillis(now),
        hits: 0,
      });
      await l1("set", (r) =>
        r.set(l1Key(cacheKey), JSON.stringify(result), "PX", Math.min(l1TtlMs, options.ttlMs)),
      );
    },
    async recordHit(cacheKey, now) {
      const entry = pendingHits.get(cacheKey) ?? { count: 0, lastWrite: 0 };
      entry.count += 1;
      pendingHits.set(cacheKey, entry);
      if (now - entry.lastWrite < hitFlushMs) return;
      const count = entry.count;
      entry.count = 0;
      entry.lastWrite = now;
      try {
        await ref(cacheKey).update({
          hits: FieldValue.increment(count),
          lastAccessedAt: Timestamp.fromMillis(now),
        });
      } catch (error) {
        // Statistics only: a missing entry (expired, deleted) or a failed write never fails the hit.
        logger.warn({ err: error, cacheKey }, "cache hit count not written");
      }
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
