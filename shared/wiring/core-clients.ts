import { Firestore } from "@google-cloud/firestore";
import { PubSub } from "@google-cloud/pubsub";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { pubsubEventPublisher, type EventPublisher } from "../ports/event-publisher.ts";
import { cloudTasksScheduler, createTasksClient, type TaskScheduler } from "../ports/task-scheduler.ts";
import { firestoreJobStore } from "../store/firestore-job-store.ts";
import type { JobStore } from "../store/job-store.ts";
import { createOpMeter, type RequestOpMeter } from "../store/op-meter.ts";
import { createResultCache, type ResultCache } from "../store/result-cache.ts";
import { createInstanceMetrics } from "../telemetry/instance-metrics.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { PromMetrics } from "../telemetry/prom-metrics.ts";
import { createRedisClient } from "./redis-client.ts";

/** The clients every function shares (Firestore, Cloud Tasks, Pub/Sub, the result cache), and their closing. */
export interface CoreClients {
  /** For tests and tools that inspect documents; use-cases reach Firestore only through `store`. */
  firestore: Firestore;
  store: JobStore;
  /** Counts the store's Firestore operations, per request (`measure`) and in total. */
  meter: RequestOpMeter;
  tasks: TaskScheduler;
  events: EventPublisher;
  cache: ResultCache;
  /** This instance's metrics: prom-client for `GET /metrics` and OpenTelemetry for Cloud Monitoring. */
  metrics: Metrics;
  /** This instance's prom-client registry, served by `GET /metrics`. */
  prometheus: PromMetrics;
  redis: Redis | undefined;
  close(): Promise<void>;
}

/**
 * Builds the real clients once per instance (cold start), from a validated config. The emulator
 * settings arrive through the same variables the client libraries read in production
 * (`FIRESTORE_EMULATOR_HOST`, `PUBSUB_EMULATOR_HOST`, `FIREBASE_AUTH_EMULATOR_HOST`) and through
 * `TASKS_EMULATOR_HOST`; no code path branches on "local".
 */
export function createCoreClients(config: Config, logger: Logger): CoreClients {
  const firestore = new Firestore({ projectId: config.projectId, ignoreUndefinedProperties: true });
  const pubsub = new PubSub({ projectId: config.projectId });
  const tasksClient = createTasksClient(config);
  const redis = config.redisUrl === undefined ? undefined : createRedisClient(config.redisUrl);
  const meter = createOpMeter();
  const store = firestoreJobStore(firestore, meter);
  const { metrics, prometheus } = createInstanceMetrics();
  return {
    firestore,
    store,
    meter,
    tasks: cloudTasksScheduler(tasksClient, config),
    events: pubsubEventPublisher(pubsub, config.eventsTopic, logger),
    cache: createResultCache(store, redis, logger, {
      ttlMs: config.cacheTtlMs,
      hitFlushMs: config.cacheHitFlushMs,
      metrics,
    }),
    metrics,
    prometheus,
    redis,
    async close() {
      await Promise.allSettled([firestore.terminate(), pubsub.close(), tasksClient.close(), redis?.quit()]);
    },
  };
}
