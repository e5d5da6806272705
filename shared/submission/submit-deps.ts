import type { Firestore } from "@google-cloud/firestore";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { EventPublisher } from "../ports/event-publisher.ts";
import type { TaskScheduler } from "../ports/task-scheduler.ts";
import type { ResultCache } from "../store/result-cache.ts";

/** What the API's use-cases need from the outside world, passed in (never imported as singletons). */
export interface ApiDeps {
  config: Config;
  firestore: Firestore;
  tasks: TaskScheduler;
  events: EventPublisher;
  cache: ResultCache;
  clock: Clock;
  /** A new random job id (also the task name's stem). */
  newJobId: () => string;
  logger: Logger;
}
