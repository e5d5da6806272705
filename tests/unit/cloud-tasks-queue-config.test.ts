import { describe, expect, it } from "vitest";
import {
  applyQueueMessage,
  DEFAULT_QUEUE_CONFIG,
  type QueueConfig,
} from "../tools/cloud-tasks-emulator/queue-config.ts";
import type { QueueMessage } from "../tools/cloud-tasks-emulator/wire.ts";

const custom: QueueConfig = {
  ...DEFAULT_QUEUE_CONFIG,
  maxDispatchesPerSecond: 5,
  maxBurstSize: 1,
  maxConcurrentDispatches: 2,
  retry: { ...DEFAULT_QUEUE_CONFIG.retry, maxAttempts: 3 },
};

describe("applyQueueMessage", () => {
  it.each<{
    name: string;
    base: QueueConfig;
    message: QueueMessage;
    mask?: string[];
    expected: Partial<QueueConfig>;
  }>([
    {
      name: "empty message gives production's defaults",
      base: DEFAULT_QUEUE_CONFIG,
      message: {},
      expected: DEFAULT_QUEUE_CONFIG,
    },
    {
      name: "zero means default on create",
      base: DEFAULT_QUEUE_CONFIG,
      message: { rateLimits: { maxDispatchesPerSecond: 0 }, retryConfig: { maxAttempts: 0 } },
      expected: { maxDispatchesPerSecond: 500, retry: DEFAULT_QUEUE_CONFIG.retry },
    },
    {
      name: "rate recomputes the output-only burst size",
      base: DEFAULT_QUEUE_CONFIG,
      message: { rateLimits: { maxDispatchesPerSecond: 50, maxBurstSize: 999 } },
      expected: { maxDispatchesPerSecond: 50, maxBurstSize: 10 },
    },
    {
      name: "sub-second backoffs kept, retry duration truncated to seconds",
      base: DEFAULT_QUEUE_CONFIG,
      message: {
        retryConfig: {
          minBackoff: { nanos: 250_000_000 },
          maxRetryDuration: { seconds: 5, nanos: 900_000_000 },
        },
      },
      expected: { retry: { ...DEFAULT_QUEUE_CONFIG.retry, minBackoffMs: 250, maxRetryDurationMs: 5_000 } },
    },
    {
      name: "a mask touches only its fields",
      base: custom,
      message: {
        rateLimits: { maxConcurrentDispatches: 9, maxDispatchesPerSecond: 100 },
        retryConfig: { maxAttempts: 50 },
      },
      mask: ["rate_limits.max_concurrent_dispatches"],
      expected: { maxConcurrentDispatches: 9, maxDispatchesPerSecond: 5, retry: custom.retry },
    },
    {
      name: "camelCase mask paths are accepted, output-only ones ignored",
      base: custom,
      message: { retryConfig: { maxAttempts: -1 } },
      mask: ["retryConfig.maxAttempts", "state", "rate_limits.max_burst_size"],
      expected: { retry: { ...custom.retry, maxAttempts: -1 }, maxDispatchesPerSecond: 5 },
    },
  ])("$name", ({ base, message, mask, expected }) => {
    expect(applyQueueMessage(base, message, mask)).toMatchObject(expected);
  });

  it.each<{ name: string; message: QueueMessage; mask?: string[]; error: string }>([
    {
      name: "rate above 500/s",
      message: { rateLimits: { maxDispatchesPerSecond: 501 } },
      error: "max_dispatches_per_second",
    },
    {
      name: "negative rate",
      message: { rateLimits: { maxDispatchesPerSecond: -1 } },
      error: "max_dispatches_per_second",
    },
    {
      name: "concurrency above 5000",
      message: { rateLimits: { maxConcurrentDispatches: 5001 } },
      error: "max_concurrent_dispatches",
    },
    { name: "max_attempts below -1", message: { retryConfig: { maxAttempts: -2 } }, error: "max_attempts" },
    {
      name: "min above max backoff",
      message: { retryConfig: { minBackoff: { seconds: 10 }, maxBackoff: { seconds: 5 } } },
      error: "min_backoff",
    },
    { name: "unknown mask path", message: {}, mask: ["retry_config.nope"], error: "Unknown field" },
  ])("rejects $name", ({ message, mask, error }) => {
    expect(() => applyQueueMessage(DEFAULT_QUEUE_CONFIG, message, mask)).toThrow(error);
  });
});
