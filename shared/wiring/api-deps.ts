import { randomUUID } from "node:crypto";
import { Firestore } from "@google-cloud/firestore";
import { PubSub } from "@google-cloud/pubsub";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { systemClock } from "../ports/clock.ts";
import { pubsubEventPublisher } from "../ports/event-publisher.ts";
import { firebaseIdTokenVerifier, type IdTokenVerifier } from "../ports/id-token-verifier.ts";
import { cloudTasksScheduler, createTasksClient } from "../ports/task-scheduler.ts";
import { createResultCache } from "../store/result-cache.ts";
import type { ApiDeps } from "../submission/submit-deps.ts";
import { createRedisClient } from "./redis-client.ts";

/** Everything the `api` function needs, plus what it must close on shutdown. */
export interface ApiRuntime {
  deps: ApiDeps;
  auth: IdTokenVerifier;
  redis: Redis | undefined;
  close(): Promise<void>;
}

/**
 * Builds the real clients once per instance (cold start), from a validated config. The emulator
 * settings arrive through the same variables the client libraries read in production
 * (`FIRESTORE_EMULATOR_HOST`, `PUBSUB_EMULATOR_HOST`, `FIREBASE_AUTH_EMULATOR_HOST`) and through
 * `TASKS_EMULATOR_HOST`; no code path branches on "local".
 */
export function createApiRuntime(
  config: Config,
  options: { logger?: Logger; auth?: IdTokenVerifier } = {},
): ApiRuntime {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const firestore = new Firestore({ projectId: config.projectId, ignoreUndefinedProperties: true });
  const pubsub = new PubSub({ projectId: config.projectId });
  const tasksClient = createTasksClient(config);
  const redis = config.redisUrl === undefined ? undefined : createRedisClient(config.redisUrl);
  const deps: ApiDeps = {
    config,
    firestore,
    tasks: cloudTasksScheduler(tasksClient, config),
    events: pubsubEventPublisher(pubsub, config.eventsTopic, logger),
    cache: createResultCache(firestore, redis, logger, { ttlMs: config.cacheTtlMs }),
    clock: systemClock,
    newJobId: () => randomUUID().replaceAll("-", ""),
    logger,
  };
  const auth = options.auth ?? firebaseIdTokenVerifier(getAuth(firebaseApp(config.projectId)));
  return {
    deps,
    auth,
    redis,
    async close() {
      await Promise.allSettled([firestore.terminate(), pubsub.close(), tasksClient.close(), redis?.quit()]);
    },
  };
}

function firebaseApp(projectId: string) {
  const name = `queue-${projectId}`;
  return getApps().find((app) => app.name === name) ?? initializeApp({ projectId }, name);
}
