import type { Random } from "./backoff.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { PixelLabClient } from "./pixellab/client.ts";
import type { Clock } from "./ports/clock.ts";
import type { HostResolver } from "./ports/host-resolver.ts";
import type { EventPublisher } from "./ports/event-publisher.ts";
import type { TaskScheduler } from "./ports/task-scheduler.ts";
import type { JobStore } from "./store/job-store.ts";
import type { ResultCache } from "./store/result-cache.ts";
import type { Metrics } from "./telemetry/metrics.ts";
import type { WebhookSender } from "./webhooks/webhook-sender.ts";

/**
 * What every use-case needs from the outside world, passed in (never imported as singletons): the
 * API, the sweeper and the operator routes take exactly this; the task handler adds PixelLab.
 */
export interface Deps {
  config: Config;
  store: JobStore;
  tasks: TaskScheduler;
  events: EventPublisher;
  cache: ResultCache;
  /** Counters and histograms of what happened (see `telemetry/metric-definitions.ts`). */
  metrics: Metrics;
  clock: Clock;
  /** Jitter source for retry delays. */
  random: Random;
  /** A new random job id (also the task name's stem). */
  newJobId: () => string;
  /** A fresh lease id for each delivery. */
  newLeaseId: () => string;
  logger: Logger;
  /** DNS for webhook URLs, checked at submit and at each delivery (`webhooks/webhook-target.ts`). */
  resolveHost: HostResolver;
}

export interface ProcessDeps extends Deps {
  pixellab: PixelLabClient;
  /** Sends a webhook delivery to its vetted address (`webhooks/webhook-sender.ts`). */
  sendWebhook: WebhookSender;
}
