import { randomUUID } from "node:crypto";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { systemClock } from "../ports/clock.ts";
import { firebaseIdTokenVerifier, type IdTokenVerifier } from "../ports/id-token-verifier.ts";
import type { ApiDeps } from "../submission/submit-deps.ts";
import { createCoreClients } from "./core-clients.ts";

/** Everything the `api` function needs, plus what it must close on shutdown. */
export interface ApiRuntime {
  deps: ApiDeps;
  auth: IdTokenVerifier;
  redis: Redis | undefined;
  close(): Promise<void>;
}

/** Builds the `api` function's runtime once per instance (cold start), from a validated config. */
export function createApiRuntime(
  config: Config,
  options: { logger?: Logger; auth?: IdTokenVerifier } = {},
): ApiRuntime {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clients = createCoreClients(config, logger);
  const deps: ApiDeps = {
    config,
    firestore: clients.firestore,
    tasks: clients.tasks,
    events: clients.events,
    cache: clients.cache,
    clock: systemClock,
    newJobId: () => randomUUID().replaceAll("-", ""),
    logger,
  };
  const auth = options.auth ?? firebaseIdTokenVerifier(getAuth(firebaseApp(config.projectId)));
  return { deps, auth, redis: clients.redis, close: clients.close };
}

function firebaseApp(projectId: string) {
  const name = `queue-${projectId}`;
  return getApps().find((app) => app.name === name) ?? initializeApp({ projectId }, name);
}
