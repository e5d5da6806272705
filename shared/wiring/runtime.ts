import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import type { Logger } from "../logger.ts";
import { systemClock } from "../ports/clock.ts";
import { systemResolver, type HostResolver } from "../ports/host-resolver.ts";
import type { RequestOpMeter } from "../store/op-meter.ts";
import type { PromMetrics } from "../telemetry/prom-metrics.ts";
import type { CoreClients } from "./core-clients.ts";

/**
 * What a function builds once per instance (cold start): the use-cases' deps, the Firestore client
 * (for tests and tools that inspect documents), Redis if configured, and the closing of it all. The
 * three functions differ only in what they add (`api`: token verification; `processJob`: PixelLab
 * and task-token verification).
 */
export interface Runtime<D extends Deps = Deps> {
  deps: D;
  firestore: Firestore;
  redis: Redis | undefined;
  /** The Firestore operations the store did, per request and in total. */
  meter: RequestOpMeter;
  /** This instance's prom-client registry (counters, histograms, process metrics) for `GET /metrics`. */
  prometheus: PromMetrics;
  close(): Promise<void>;
}

/** The runtime's parts that come straight from the clients (all but `deps`), the same for every function. */
export function clientParts(clients: CoreClients): Omit<Runtime, "deps"> {
  const { firestore, redis, meter, prometheus, close } = clients;
  return { firestore, redis, meter, prometheus, close };
}

/**
 * The deps every function shares, from the real clients; `resolveHost` is the system's DNS unless a
 * test gives one (to make a webhook's host name resolve differently at submit and at delivery).
 */
export function baseDeps(
  config: Config,
  clients: CoreClients,
  logger: Logger,
  resolveHost: HostResolver = systemResolver,
): Deps {
  return {
    config,
    store: clients.store,
    tasks: clients.tasks,
    events: clients.events,
    cache: clients.cache,
    metrics: clients.metrics,
    clock: systemClock,
    random: Math.random,
    newJobId: () => randomUUID().replaceAll("-", ""),
    newLeaseId: () => randomUUID(),
    logger,
    resolveHost,
  };
}
