import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { memoryJobStore } from "../../shared/store/memory-job-store.ts";
import type { JobStore } from "../../shared/store/job-store.ts";
import { createResultCache } from "../../shared/store/result-cache.ts";

const NOW = Date.UTC(2026, 11, 1);
const RESULT = { images: [], usage: null };

/** The store, counting the hit-counter writes that reach it. */
function countingStore() {
  const store = memoryJobStore();
  const writes: { key: string; count: number }[] = [];
  const counted: JobStore = {
    ...store,
    addCacheHits: (key, count, now) => {
      writes.push({ key, count });
      return store.addCacheHits(key, count, now);
    },
  };
  return { store: counted, writes };
}

describe("cache hit counting", () => {
  it("a popular key costs one write per flush interval, and no hit is lost at the next flush", async () => {
    const { store, writes } = countingStore();
    const cache = createResultCache(store, undefined, pino({ level: "silent" }), {
      ttlMs: 86_400_000,
      hitFlushMs: 60_000,
    });
    await cache.put("hot", RESULT, "j1", NOW);
    for (let i = 0; i < 1_000; i++) await cache.recordHit("hot", NOW + i * 10); // 1,000 hits in 10 s
    expect(writes).toEqual([]); // a hit writes nothing itself
    await cache.recordHit("hot", NOW + 60_000);
    expect(writes).toEqual([{ key: "hot", count: 1_001 }]);
    await cache.recordHit("hot", NOW + 60_001);
    expect(writes).toHaveLength(1); // a new interval started
    expect((await store.getCacheEntry("hot"))?.hits).toBe(1_001);
  });

  it("keeps at most `maxPendingKeys` keys in memory: one more flushes them all", async () => {
    const { store, writes } = countingStore();
    const cache = createResultCache(store, undefined, pino({ level: "silent" }), {
      ttlMs: 86_400_000,
      hitFlushMs: 60_000,
      maxPendingKeys: 10,
    });
    for (let i = 0; i < 25; i++) await cache.recordHit(`k${i}`, NOW + i);
    // Flushes at the 10th and 20th pending key: 10 + 10 writes, 5 keys still pending.
    expect(writes).toHaveLength(20);
    expect(new Set(writes.map((w) => w.key)).size).toBe(20);
  });
});
