import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { systemClock } from "../ports/clock.ts";
import type { SweepDeps } from "../sweeper/sweep-deps.ts";
import { createCoreClients } from "./core-clients.ts";

/** Everything the `sweep` function needs, plus what it must close on shutdown. */
export interface SweepRuntime {
  deps: SweepDeps;
  close(): Promise<void>;
}

/** Builds the sweeper's runtime once per instance, from the same clients the other functions use. */
export function createSweepRuntime(config: Config, options: { logger?: Logger } = {}): SweepRuntime {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clients = createCoreClients(config, logger);
  const deps: SweepDeps = {
    config,
    firestore: clients.firestore,
    tasks: clients.tasks,
    events: clients.events,
    clock: systemClock,
    logger,
  };
  return { deps, close: clients.close };
}
