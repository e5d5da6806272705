import type { Firestore } from "@google-cloud/firestore";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { EventPublisher } from "../ports/event-publisher.ts";
import type { TaskScheduler } from "../ports/task-scheduler.ts";

/** What the sweeper needs, passed in. The API's deps are a superset, so tests can reuse that runtime. */
export interface SweepDeps {
  config: Config;
  firestore: Firestore;
  tasks: TaskScheduler;
  events: EventPublisher;
  clock: Clock;
  logger: Logger;
}
