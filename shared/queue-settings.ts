import type { Config } from "./config.ts";
import type { Lane } from "./lanes.ts";

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

/**
 * How the batch lane's queue differs from the shared settings (`lanes.ts`):
 * - a lower dispatch rate, @defaultValue 20 a second: batch work never needs bursts;
 * - retries without limit (`maxAttempts: -1`), because a batch delivery that yields to interactive
 *   jobs answers 503 and is delivered again: yielding must never use up a task. A handler that
 *   keeps failing still ends: each lost lease counts an attempt of the job, which then fails, and
 *   later deliveries of its task are answered 200 as done;
 * - backoff capped at 60 s, @defaultValue: a yielded task is looked at again within a minute.
 */
export const BATCH_LANE_OVERRIDES = {
  maxDispatchesPerSecond: 20,
  retry: { maxAttempts: -1, maxBackoffSeconds: 60 },
} as const;

/** The fixed settings of the batch lane's queue: the shared ones with {@link BATCH_LANE_OVERRIDES}. */
export const FIXED_BATCH_QUEUE_SETTINGS: Readonly<Omit<QueueSettings, "maxConcurrentDispatches">> = {
  maxDispatchesPerSecond: BATCH_LANE_OVERRIDES.maxDispatchesPerSecond,
  retry: { ...FIXED_QUEUE_SETTINGS.retry, ...BATCH_LANE_OVERRIDES.retry },
};

/**
 * The webhook queue's settings (`webhooks/`): completion webhooks go out through a queue of their own,
 * so a slow or failing receiver never holds a generation delivery. Unlike the generation queues,
 * Cloud Tasks' retry policy is the whole retry story here: a delivery answers 503 on a receiver's
 * non-2xx, timeout or refused connection, and Cloud Tasks delivers it again.
 * - 50 dispatches a second @defaultValue: receivers are other people's servers;
 * - 10 deliveries at once @defaultValue (`WEBHOOK_MAX_CONCURRENT`), each at most
 *   `WEBHOOK_TIMEOUT_MS` (10 s);
 * - 12 attempts, backoff from 10 s doubling to 4 h: 10 s, 20 s, 40 s, ... about 5 h 40 min in all,
 *   long enough to ride out a receiver's deploy or short outage (Standard Webhooks' advice: retry
 *   with exponential backoff for hours, not minutes).
 */
export const FIXED_WEBHOOK_QUEUE_SETTINGS: Readonly<Omit<QueueSettings, "maxConcurrentDispatches">> = {
  maxDispatchesPerSecond: 50,
  retry: { maxAttempts: 12, minBackoffSeconds: 10, maxBackoffSeconds: 14_400, maxDoublings: 11 },
};

/** The webhook queue's settings, its concurrency from `WEBHOOK_MAX_CONCURRENT`. */
export function webhookQueueSettings(config: Pick<Config, "webhooks">): QueueSettings {
  return {
    maxDispatchesPerSecond: FIXED_WEBHOOK_QUEUE_SETTINGS.maxDispatchesPerSecond,
    maxConcurrentDispatches: config.webhooks.concurrency,
    retry: { ...FIXED_WEBHOOK_QUEUE_SETTINGS.retry },
  };
}

/** A lane's queue settings (the interactive lane's by default). */
export function queueSettings(
  config: Pick<Config, "queueConcurrency" | "batchConcurrency">,
  lane: Lane = "interactive",
): QueueSettings {
  const fixed = lane === "batch" ? FIXED_BATCH_QUEUE_SETTINGS : FIXED_QUEUE_SETTINGS;
  return {
    maxDispatchesPerSecond: fixed.maxDispatchesPerSecond,
    maxConcurrentDispatches: lane === "batch" ? config.batchConcurrency : config.queueConcurrency,
    retry: { ...fixed.retry },
  };
}

/** `terraform/queue-settings.json`: the fixed settings, with a note saying where they come from. */
export function terraformQueueSettingsJson(): string {
  const document = {
    $comment:
      "Generated from shared/queue-settings.ts by `node tests/tools/package/queue-settings-json.ts`; do not edit. The queues' concurrency is the tasks_max_concurrent, tasks_batch_max_concurrent and webhook_max_concurrent variables.",
    ...FIXED_QUEUE_SETTINGS,
    batch: FIXED_BATCH_QUEUE_SETTINGS,
    webhooks: FIXED_WEBHOOK_QUEUE_SETTINGS,
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
