import type { Firestore } from "@google-cloud/firestore";
import type { Random } from "../backoff.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { PixelLabClient } from "../pixellab/client.ts";
import type { Clock } from "../ports/clock.ts";
import type { EventPublisher } from "../ports/event-publisher.ts";
import type { TaskScheduler } from "../ports/task-scheduler.ts";
import type { ResultCache } from "../store/result-cache.ts";

/** What the task handler's use-case needs, passed in. */
export interface ProcessDeps {
  config: Config;
  firestore: Firestore;
  tasks: TaskScheduler;
  events: EventPublisher;
  cache: ResultCache;
  pixellab: PixelLabClient;
  clock: Clock;
  /** Jitter source for retry delays. */
  random: Random;
  /** A fresh lease id for each delivery. */
  newLeaseId: () => string;
  logger: Logger;
}
