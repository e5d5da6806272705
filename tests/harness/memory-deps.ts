import { randomUUID } from "node:crypto";
import { loadConfig } from "../../shared/config.ts";
import type { ProcessDeps } from "../../shared/deps.ts";
import { pino } from "pino";
import { createPixelLabClient } from "../../shared/pixellab/client.ts";
import type { LifecycleEvent } from "../../shared/ports/event-publisher.ts";
import type { QueueRunState, TaskRequest, TaskScheduler } from "../../shared/ports/task-scheduler.ts";
import { memoryJobStore } from "../../shared/store/memory-job-store.ts";
import type { JobStore } from "../../shared/store/job-store.ts";
import { createResultCache } from "../../shared/store/result-cache.ts";
import { NO_METRICS } from "../../shared/telemetry/metrics.ts";
import { DEFAULT_FAKE_API_KEY } from "../tools/pixellab-fake/server.ts";
import { systemResolver } from "../../shared/ports/host-resolver.ts";
import type { WebhookTaskRequest } from "../../shared/webhooks/job-webhook.ts";
import { httpWebhookSender } from "../../shared/webhooks/webhook-sender.ts";

/** Use-case deps over the in-memory store, with tasks and events recorded where a test can read them. */
export interface MemoryDeps extends ProcessDeps {
  store: JobStore;
  /** Tasks created, in order (a task created twice under one name appears once). */
  created: TaskRequest[];
  /** Webhook tasks created, in order (one per name). */
  webhooks: WebhookTaskRequest[];
  removed: { jobId: string; attempt: number; run: number }[];
  published: LifecycleEvent[];
  /** Makes the next enqueue calls wait for this promise first (a stalled Cloud Tasks), or throw. */
  stallEnqueue(until: Promise<void> | Error | undefined): void;
  /** Makes publishes never settle (a paused Pub/Sub). */
  hangEvents(): void;
  /** The state the queue's probe reports from now on (an operator pausing it). */
  setQueueState(state: QueueRunState): void;
}

/**
 * Builds {@link MemoryDeps}: the production use-cases over the in-memory {@link JobStore}, a task
 * scheduler and an event publisher that record what they were asked (our own ports, kept in
 * memory), and the real PixelLab client pointed at `pixellabUrl` (the offline fake) when given.
 */
export function memoryDeps(env: Record<string, string> = {}, pixellabUrl?: string): MemoryDeps {
  const config = loadConfig({
    GOOGLE_CLOUD_PROJECT: "demo-memory",
    TASK_HANDLER_URL: "http://127.0.0.1:9/process",
    RETRY_BASE_DELAY_MS: "200",
    RETRY_MAX_DELAY_MS: "2000",
    PIXELLAB_POLL_INTERVAL_MS: "20",
    ...env,
  });
  const logger = pino({ level: "silent" });
  const store = memoryJobStore();
  const created: TaskRequest[] = [];
  const webhooks: WebhookTaskRequest[] = [];
  const removed: MemoryDeps["removed"] = [];
  const published: LifecycleEvent[] = [];
  let stall: Promise<void> | Error | undefined;
  let hang = false;
  let queueState: QueueRunState = "running";
  const names = new Set<string>();
  const tasks: TaskScheduler = {
    async enqueue(request) {
      if (stall instanceof Error) throw stall;
      if (stall !== undefined) await stall;
      const name = `${request.jobId}-${request.run}-${request.attempt}`;
      if (!names.has(name)) created.push(request);
      names.add(name);
      return { taskName: name };
    },
    async remove(jobId, attempt, run) {
      removed.push({ jobId, attempt, run });
    },
    async exists(jobId, attempt, run) {
      return (
        names.has(`${jobId}-${run}-${attempt}`) &&
        !removed.some((r) => r.jobId === jobId && r.attempt === attempt && r.run === run)
      );
    },
    async probe() {
      return queueState;
    },
    async enqueueWebhook(request) {
      if (stall instanceof Error) throw stall;
      if (!webhooks.some((w) => w.messageId === request.messageId)) webhooks.push(request);
    },
  };
  const events = {
    publish(event: LifecycleEvent) {
      published.push(event);
      return hang ? new Promise<void>(() => undefined) : Promise.resolve();
    },
    async flush() {},
  };
  const pixellab = createPixelLabClient({
    baseUrl: pixellabUrl ?? "http://127.0.0.1:9/v1",
    apiKey: DEFAULT_FAKE_API_KEY,
    pollIntervalMs: config.pixellab.pollIntervalMs,
  });
  return {
    config,
    store,
    tasks,
    events,
    cache: createResultCache(store, undefined, logger, { ttlMs: config.cacheTtlMs }),
    metrics: NO_METRICS,
    clock: { now: () => Date.now() },
    random: () => 0.5,
    newJobId: () => randomUUID().replaceAll("-", ""),
    newLeaseId: () => randomUUID(),
    logger,
    pixellab,
    resolveHost: systemResolver,
    sendWebhook: httpWebhookSender,
    created,
    webhooks,
    removed,
    published,
    stallEnqueue(until) {
      stall = until;
    },
    setQueueState(state) {
      queueState = state;
    },
    hangEvents() {
      hang = true;
    },
  };
}
