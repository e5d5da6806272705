import type { Config } from "./config.ts";

/**
 * The generation queue's Cloud Tasks settings, the same for the local emulator and for production
 * (Terraform mirrors them). Cloud Tasks' own retries only matter when the handler crashes or answers
 * 5xx: every ordinary failure is retried by the handler itself, with PixelLab-aware backoff, as a new
 * task. So the queue retries a few times, starting after a few seconds, and never for days
 * (Cloud Tasks' defaults are 100 attempts over about 3.5 days).
 */
export interface QueueSettings {
  /** Token-bucket refill, dispatches per second. @defaultValue 20 (PixelLab publishes no rate; ≤ 500) */
  maxDispatchesPerSecond: number;
  /** Attempts in flight at once, i.e. concurrent PixelLab calls. @defaultValue config.queueConcurrency (10) */
  maxConcurrentDispatches: number;
  retry: {
    /** Deliveries of one task, the first included. @defaultValue 5 */
    maxAttempts: number;
    /** @defaultValue 5 s */
    minBackoffSeconds: number;
    /** @defaultValue 300 s */
    maxBackoffSeconds: number;
    /** @defaultValue 4 */
    maxDoublings: number;
  };
}

export function queueSettings(config: Pick<Config, "queueConcurrency">): QueueSettings {
  return {
    maxDispatchesPerSecond: 20,
    maxConcurrentDispatches: config.queueConcurrency,
    retry: { maxAttempts: 5, minBackoffSeconds: 5, maxBackoffSeconds: 300, maxDoublings: 4 },
  };
}

/** The settings as a `google.cloud.tasks.v2.Queue` for CreateQueue/UpdateQueue. */
export function queueResource(name: string, settings: QueueSettings) {
  return {
    name,
    rateLimits: {
      maxDispatchesPerSecond: settings.maxDispatchesPerSecond,
      maxConcurrentDispatches: settings.maxConcurrentDispatches,
    },
    retryConfig: {
      maxAttempts: settings.retry.maxAttempts,
      minBackoff: { seconds: settings.retry.minBackoffSeconds },
      maxBackoff: { seconds: settings.retry.maxBackoffSeconds },
      maxDoublings: settings.retry.maxDoublings,
    },
  };
}
