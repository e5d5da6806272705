import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import type { IdTokenVerifier } from "../ports/id-token-verifier.ts";
import { createCoreClients } from "./core-clients.ts";
import { firebaseAuthVerifier } from "./firebase-auth.ts";
import { baseDeps, clientParts, type Runtime } from "./runtime.ts";

/** Everything the `sweep` function needs, plus what it must close on shutdown. */
export interface SweepRuntime extends Runtime {
  /** Verifies the admins' Firebase ID tokens that may scrape `GET /metrics`. */
  auth: IdTokenVerifier;
}

/** Builds the sweeper's runtime once per instance, from the same clients the other functions use. */
export function createSweepRuntime(
  config: Config,
  options: { logger?: Logger; auth?: IdTokenVerifier } = {},
): SweepRuntime {
  const logger = options.logger ?? createLogger({ level: config.logLevel, projectId: config.projectId });
  const clients = createCoreClients(config, logger);
  const deps = baseDeps(config, clients, logger);
  return {
    deps,
    ...clientParts(clients),
    auth: options.auth ?? firebaseAuthVerifier(config.projectId),
  };
}
