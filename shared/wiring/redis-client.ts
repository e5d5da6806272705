import { Redis } from "ioredis";

/**
 * An ioredis client for the optional L1 cache, tuned to fail fast: a Redis outage must cost a
 * request at most `commandTimeoutMs`, never hang it in an offline queue.
 */
export function createRedisClient(url: string, commandTimeoutMs = 500): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1_000,
    // Keep reconnecting in the background (every ≤ 2 s) so the cache comes back with Redis.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // Errors surface per command; without a listener ioredis would log every reconnect failure.
  redis.on("error", () => undefined);
  redis.connect().catch(() => undefined);
  return redis;
}
