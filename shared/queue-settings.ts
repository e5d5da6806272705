import type { Config } from "./config.ts";

/**
 * The generation queue's Cloud Tasks settings, the same for the local emulator and for production
 * (Terraform mirrors them). Cloud Tasks' own retries only matter when the handler crashes or answers
 * 5xx: every ordinary failure is retried by the handler itself, with PixelLab-aware backoff, as a new
 * task. So the queue retries a few times, starting after a few seconds, and never for days
 * (Cloud Tasks' defaults are 100 attempts over about 3.5 days).
 */
export interface QueueSettings {
  /**
   * Token-bucket refill, dispatches per second. PixelLab publishes no request rate, and what it does
   * limit (concurrent jobs per account) is bounded by `maxConcurrentDispatches`; the rate only
   * smooths bursts of short deliveries (redeliveries, results already stored, cancelled jobs), so it
   * sits well above what the concurrency lets through and never binds before it. It was 20, which
   * capped the queue at 20 jobs/s even when deliveries took milliseconds. @defaultValue 100 (≤ 500)
   */
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

/**
 * The settings that do not depend on configuration. Terraform reads them from
 * `terraform/queue-settings.json`, which {@link terraformQueueSettingsJson} writes (a test fails when
 * the file is stale); the concurrency comes from `TASKS_MAX_CONCURRENT` on both sides.
 */
export const FIXED_QUEUE_SETTINGS: Readonly<Omit<QueueSettings, "maxConcurrentDispatches">> = {
  maxDispatchesPerSecond: 100,
  retry: { maxAttempts: 5, minBackoffSeconds: 5, maxBackoffSeconds: 300, maxDoublings: 4 },
};

export function queueSettings(config: Pick<Config, "queueConcurrency">): QueueSettings {
  return {
    maxDispatchesPerSecond: FIXED_QUEUE_SETTINGS.maxDispatchesPerSecond,
    maxConcurrentDispatches: config.queueConcurrency,
    retry: { ...FIXED_QUEUE_SETTINGS.retry },
  };
}

/** `terraform/queue-settings.json`: the fixed settings, with a note saying where they come from. */
export function terraformQueueSettingsJson(): string {
  const document = {
    $comment:
      "Generated from shared/queue-settings.ts by `node tests/tools/package/queue-settings-json.ts`; do not edit. The queue's concurrency is the tasks_max_concurrent variable.",
    ...FIXED_QUEUE_SETTINGS,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
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
