import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { createCoreClients } from "./core-clients.ts";
import { baseDeps, type Runtime } from "./runtime.ts";

/** Everything the `sweep` function needs, plus what it must close on shutdown. */
export type SweepRuntime = Runtime;

/** Builds the sweeper's runtime once per instance, from the same clients the other functions use. */
export function createSweepRuntime(config: Config, options: { logger?: Logger } = {}): SweepRuntime {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clients = createCoreClients(config, logger);
  const deps = baseDeps(config, clients, logger);
  return {
    deps,
    firestore: clients.firestore,
    redis: clients.redis,
    meter: clients.meter,
    close: clients.close,
  };
}
