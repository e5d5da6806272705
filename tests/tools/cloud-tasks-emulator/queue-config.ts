import { invalid } from "./rpc-error.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry-schedule.ts";
import { burstSizeFor } from "./token-bucket.ts";
import { durationToMs, msToDuration, type AppEngineRoutingMessage, type QueueMessage } from "./wire.ts";

/** A queue's settable configuration with production's defaults applied. */
export interface QueueConfig {
  /** Token refill rate, dispatches per second, (0, 500]. @defaultValue 500 */
  maxDispatchesPerSecond: number;
  /** Output only: bucket capacity derived from the rate (see `burstSizeFor`). @defaultValue 100 */
  maxBurstSize: number;
  /** Hard cap on attempts in flight, [1, 5000]. @defaultValue 1000 */
  maxConcurrentDispatches: number;
  retry: RetryPolicy;
  /** Stored and returned only; the emulator logs every attempt regardless. */
  samplingRatio: number | undefined;
  /** Stored and returned only (App Engine targets are not dispatched). */
  appEngineRoutingOverride: AppEngineRoutingMessage | undefined;
}

/** The system limits production enforces on RateLimits. */
export const MAX_DISPATCHES_PER_SECOND = 500;
export const MAX_CONCURRENT_DISPATCHES = 5000;

export const DEFAULT_QUEUE_CONFIG: Readonly<QueueConfig> = {
  maxDispatchesPerSecond: 500,
  maxBurstSize: 100,
  maxConcurrentDispatches: 1000,
  retry: DEFAULT_RETRY_POLICY,
  samplingRatio: undefined,
  appEngineRoutingOverride: undefined,
};

/** proto3 cannot tell 0 from unset, so 0 (or absent) means "the default", as production does on create. */
function orDefault(value: number | null | undefined, fallback: number): number {
  return value === null || value === undefined || value === 0 ? fallback : value;
}

type Setter = (config: QueueConfig, message: QueueMessage) => void;

const rate: Setter = (c, m) => {
  c.maxDispatchesPerSecond = orDefault(
    m.rateLimits?.maxDispatchesPerSecond,
    DEFAULT_QUEUE_CONFIG.maxDispatchesPerSecond,
  );
};
const concurrency: Setter = (c, m) => {
  c.maxConcurrentDispatches = orDefault(
    m.rateLimits?.maxConcurrentDispatches,
    DEFAULT_QUEUE_CONFIG.maxConcurrentDispatches,
  );
};
const retryField =
  (field: keyof RetryPolicy): Setter =>
  (c, m) => {
    const r = m.retryConfig;
    const given: Record<keyof RetryPolicy, number | null | undefined> = {
      maxAttempts: r?.maxAttempts,
      // Production truncates max_retry_duration to whole seconds; the backoffs keep sub-second values.
      maxRetryDurationMs: Math.trunc((durationToMs(r?.maxRetryDuration) ?? 0) / 1000) * 1000,
      minBackoffMs: durationToMs(r?.minBackoff),
      maxBackoffMs: durationToMs(r?.maxBackoff),
      maxDoublings: r?.maxDoublings,
    };
    c.retry = { ...c.retry, [field]: orDefault(given[field], DEFAULT_RETRY_POLICY[field]) };
  };
const retryFields = Object.keys(DEFAULT_RETRY_POLICY) as (keyof RetryPolicy)[];
const sampling: Setter = (c, m) => {
  c.samplingRatio = m.stackdriverLoggingConfig?.samplingRatio ?? undefined;
};
const routing: Setter = (c, m) => {
  c.appEngineRoutingOverride = m.appEngineRoutingOverride ?? undefined;
};
const ignored: Setter = () => undefined;

/** update_mask paths (snake_case, as the API documents them) and what each one copies. */
const SETTERS: Record<string, Setter[]> = {
  rate_limits: [rate, concurrency],
  "rate_limits.max_dispatches_per_second": [rate],
  "rate_limits.max_concurrent_dispatches": [concurrency],
  "retry_config.max_attempts": [retryField("maxAttempts")],
  "retry_config.max_retry_duration": [retryField("maxRetryDurationMs")],
  "retry_config.min_backoff": [retryField("minBackoffMs")],
  "retry_config.max_backoff": [retryField("maxBackoffMs")],
  "retry_config.max_doublings": [retryField("maxDoublings")],
  retry_config: retryFields.map(retryField),
  stackdriver_logging_config: [sampling],
  "stackdriver_logging_config.sampling_ratio": [sampling],
  app_engine_routing_override: [routing],
  // Output-only or identity fields: production ignores them in a mask.
  name: [ignored],
  state: [ignored],
  purge_time: [ignored],
  "rate_limits.max_burst_size": [ignored],
};

const toSnakeCase = (path: string): string => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The configuration after applying `message` to `base` under `maskPaths`. An empty mask replaces
 * every field (absent or 0 → default), as CreateQueue and a mask-less UpdateQueue do.
 */
export function applyQueueMessage(
  base: QueueConfig,
  message: QueueMessage,
  maskPaths: string[] = [],
): QueueConfig {
  const config: QueueConfig = { ...base, retry: { ...base.retry } };
  const paths =
    maskPaths.length === 0 ? ["rate_limits", "retry_config", "stackdriver_logging_config"] : maskPaths;
  if (maskPaths.length === 0) routing(config, message);
  for (const raw of paths) {
    const path = toSnakeCase(raw);
    const setters = path.startsWith("app_engine_routing_override.") ? [routing] : SETTERS[path];
    if (setters === undefined) throw invalid(`Unknown field in update_mask: "${raw}".`);
    for (const set of setters) set(config, message);
  }
  config.maxBurstSize = burstSizeFor(config.maxDispatchesPerSecond);
  validateQueueConfig(config);
  return config;
}

/** Range checks; the messages are the emulator's own (production's are not recorded). */
export function validateQueueConfig(c: QueueConfig): void {
  if (!(c.maxDispatchesPerSecond > 0 && c.maxDispatchesPerSecond <= MAX_DISPATCHES_PER_SECOND)) {
    throw invalid(`RateLimits.max_dispatches_per_second must be in (0, ${MAX_DISPATCHES_PER_SECOND}].`);
  }
  const concurrent = c.maxConcurrentDispatches;
  if (!(Number.isInteger(concurrent) && concurrent >= 1 && concurrent <= MAX_CONCURRENT_DISPATCHES)) {
    throw invalid(`RateLimits.max_concurrent_dispatches must be in [1, ${MAX_CONCURRENT_DISPATCHES}].`);
  }
  const r = c.retry;
  if (r.maxAttempts < -1) throw invalid("RetryConfig.max_attempts must be -1 (unlimited) or positive.");
  if (r.maxRetryDurationMs < 0 || r.minBackoffMs < 0 || r.maxBackoffMs < 0) {
    throw invalid("RetryConfig durations must not be negative.");
  }
  if (r.minBackoffMs > r.maxBackoffMs) throw invalid("RetryConfig.min_backoff must not exceed max_backoff.");
  if (r.maxDoublings < 0) throw invalid("RetryConfig.max_doublings must not be negative.");
  if (c.samplingRatio !== undefined && (c.samplingRatio < 0 || c.samplingRatio > 1)) {
    throw invalid("StackdriverLoggingConfig.sampling_ratio must be in [0, 1].");
  }
}

/** The configuration as the Queue message's `rateLimits`, `retryConfig` and optional fields. */
export function queueConfigToMessage(c: QueueConfig): Record<string, unknown> {
  return {
    rateLimits: {
      maxDispatchesPerSecond: c.maxDispatchesPerSecond,
      maxBurstSize: c.maxBurstSize,
      maxConcurrentDispatches: c.maxConcurrentDispatches,
    },
    retryConfig: {
      maxAttempts: c.retry.maxAttempts,
      maxRetryDuration: msToDuration(c.retry.maxRetryDurationMs),
      minBackoff: msToDuration(c.retry.minBackoffMs),
      maxBackoff: msToDuration(c.retry.maxBackoffMs),
      maxDoublings: c.retry.maxDoublings,
    },
    ...(c.samplingRatio === undefined
      ? {}
      : { stackdriverLoggingConfig: { samplingRatio: c.samplingRatio } }),
    ...(c.appEngineRoutingOverride === undefined
      ? {}
      : { appEngineRoutingOverride: c.appEngineRoutingOverride }),
  };
}
