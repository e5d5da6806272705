import type { Redis } from "ioredis";
import type { Logger } from "../logger.ts";
import { storedResult, type JobResult } from "./job-document.ts";
import type { CacheEntry, JobStore } from "./job-store.ts";
import { NO_METRICS, type Metrics } from "../telemetry/metrics.ts";

/**
 * The shared result cache: the store's cache entries (L2, the truth, expiring through a TTL policy)
 * with Redis as an optional L1. Redis trouble never reaches a client: every Redis call is bounded
 * and its failure logged as a warning, then the store answers alone.
 */
export interface ResultCache {
  /** A result to answer a submission with, if one is stored and not expired. */
  get(cacheKey: string, now: number): Promise<JobResult | undefined>;
  /** Stores `jobId`'s result for the cache TTL. */
  put(cacheKey: string, result: JobResult, jobId: string, now: number): Promise<void>;
  /** Counts a hit; written in batches (see {@link ResultCacheOptions.hitFlushMs}). */
  recordHit(cacheKey: string, now: number): Promise<void>;
}

export interface ResultCacheOptions {
  /** How long an entry is served, in ms. @defaultValue 30 days (config `CACHE_TTL_DAYS`) */
  ttlMs: number;
  /** Longest an entry stays in Redis, in ms; the store keeps it for the full TTL. @defaultValue 1 day */
  l1TtlMs?: number;
  /**
   * Fewest ms between two flushes of this instance's hit counts; each flush writes each counted key
   * once, so one key gets at most one write per instance per interval. @defaultValue 60_000
   * (config `CACHE_HIT_FLUSH_MS`)
   */
  hitFlushMs?: number;
  /** Most keys counted between flushes; one more forces a flush, so memory stays bounded. @defaultValue 1_000 */
  maxPendingKeys?: number;
  /** Where each lookup is counted, by layer and result (`genqueue_cache_lookups_total`). @defaultValue none */
  metrics?: Metrics;
}

export function createResultCache(
  store: JobStore,
  redis: Redis | undefined,
  logger: Logger,
  options: ResultCacheOptions,
): ResultCache {
  const l1TtlMs = options.l1TtlMs ?? 86_400_000;
  const hits = hitCounter(store, logger, options.hitFlushMs ?? 60_000, options.maxPendingKeys ?? 1_000);
  const l1Key = (key: string) => `cache:${key}`;
  const metrics = options.metrics ?? NO_METRICS;
  const lookup = (layer: "redis" | "firestore", result: "hit" | "miss" | "error") =>
    metrics.add("cacheLookups", { layer, result });

  async function l1<T>(what: string, call: (r: Redis) => Promise<T>): Promise<T | undefined> {
    if (redis === undefined) return undefined;
    try {
      return await call(redis);
    } catch (error) {
      logger.warn({ err: error, op: what }, "redis unavailable; serving from Firestore alone");
      if (what === "get") lookup("redis", "error");
      return undefined;
    }
  }

  async function entry(cacheKey: string, now: number): Promise<CacheEntry | undefined> {
    let found: CacheEntry | undefined;
    try {
      found = await store.getCacheEntry(cacheKey);
    } catch (error) {
      lookup("firestore", "error");
      throw error;
    }
    // The TTL policy deletes within about a day of expiry, not at once: check it ourselves.
    const fresh = found !== undefined && found.expireAt > now ? found : undefined;
    lookup("firestore", fresh === undefined ? "miss" : "hit");
    return fresh;
  }

  return {
    async get(cacheKey, now) {
      const fromL1 = await l1("get", (r) => r.get(l1Key(cacheKey)));
      if (typeof fromL1 === "string") {
        const parsed = storedResult.safeParse(parseJson(fromL1));
        if (parsed.success) {
          lookup("redis", "hit");
          return parsed.data;
        }
      }
      // Anything else in Redis (absent, corrupt, an old shape) is a miss; a failed call counted above.
      if (redis !== undefined && fromL1 !== undefined) lookup("redis", "miss");
      const found = await entry(cacheKey, now);
      if (found === undefined) return undefined;
      const ttl = Math.min(l1TtlMs, found.expireAt - now);
      await l1("set", (r) => r.set(l1Key(cacheKey), JSON.stringify(found.result), "PX", ttl));
      return found.result;
    },
    async put(cacheKey, result, jobId, now) {
      await store.putCacheEntry(cacheKey, { result, jobId, createdAt: now, expireAt: now + options.ttlMs });
      await l1("set", (r) =>
        r.set(l1Key(cacheKey), JSON.stringify(result), "PX", Math.min(l1TtlMs, options.ttlMs)),
      );
    },
    recordHit: hits,
  };
}

/**
 * Counts hits per key in memory and writes them all at most once per `flushMs` (or when
 * `maxKeys` keys are pending): a popular key costs one increment per instance per interval instead
 * of one write per hit, and a hit itself writes nothing. The first hit of an interval starts it; a
 * timer flushes what is pending when no later hit does. Counts of an instance that stops before its
 * next flush are lost: they are statistics, not state.
 */
function hitCounter(store: JobStore, logger: Logger, flushMs: number, maxKeys: number) {
  const pending = new Map<string, number>();
  let intervalStart: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = async (now: number) => {
    clearTimeout(timer);
    timer = undefined;
    intervalStart = undefined;
    const batch = [...pending];
    pending.clear();
    await Promise.all(
      batch.map(([key, count]) =>
        store.addCacheHits(key, count, now).catch((error: unknown) => {
          // Statistics only: a failed write never fails the hit.
          logger.warn({ err: error, cacheKey: key }, "cache hit count not written");
        }),
      ),
    );
  };
  return async (cacheKey: string, now: number): Promise<void> => {
    pending.set(cacheKey, (pending.get(cacheKey) ?? 0) + 1);
    intervalStart ??= now;
    if (now - intervalStart >= flushMs || pending.size >= maxKeys) return flush(now);
    timer ??= setTimeout(() => void flush(Date.now()), flushMs);
    timer.unref();
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
