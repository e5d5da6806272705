import { SpanKind } from "@opentelemetry/api";
import { CloudTasksClient } from "@google-cloud/tasks";
import { credentials } from "@grpc/grpc-js";
import { laneQueuePath, webhookQueuePath, type Config } from "../config.ts";
import type { Lane } from "../lanes.ts";
import { DISPATCH_DEADLINE_MAX_MS, DISPATCH_DEADLINE_MIN_MS } from "../deadlines.ts";
import type { VersionedJob } from "../store/job-store.ts";
import { inSpan, TRACEPARENT_HEADER } from "../telemetry/spans.ts";
import { taskTokenAudience } from "./task-token-verifier.ts";
import type { WebhookTaskRequest } from "../webhooks/job-webhook.ts";

/** The path of `processJob` that webhook tasks are delivered to (the webhook queue's target). */
export const WEBHOOK_DELIVERY_PATH = "/webhook-delivery";

/** Where webhook tasks go: {@link WEBHOOK_DELIVERY_PATH} under TASK_HANDLER_URL. */
export function webhookDeliveryUrl(taskHandlerUrl: string): string {
  const base = taskHandlerUrl.endsWith("/") ? taskHandlerUrl : `${taskHandlerUrl}/`;
  return new URL(WEBHOOK_DELIVERY_PATH.slice(1), base).toString();
}

/** One delivery of a job to the task handler. */
export interface TaskRequest {
  jobId: string;
  /** The attempt this task starts (1 = first). Part of the task name, so re-enqueueing is idempotent. */
  attempt: number;
  /** The job's task-name generation (0 until a replay or a sweeper rescue needs fresh names). */
  run: number;
  /** The job's lane, whose queue carries the task. */
  lane: Lane;
  /** Earliest delivery, ms since the epoch; now when absent. */
  notBeforeMs?: number;
  /** Cloud Tasks' dispatch deadline for this task, in ms (15 s to 30 min). */
  dispatchDeadlineMs: number;
  /**
   * The job's trace context (W3C `traceparent`), sent as {@link TRACEPARENT_HEADER} so the attempt
   * continues the submit's trace. Absent for jobs made without one.
   */
  traceparent?: string;
  /**
   * The job as the write that queued it left it, and that write's version: carried in the task so
   * the claim can skip its read (see `nextTask`). Absent when unknown or too large to carry.
   */
  known?: VersionedJob;
}

/** The JSON body of a generation task: what the handler decodes as its `TaskPayload`. */
export function taskBody(request: TaskRequest) {
  const { jobId, attempt, run, lane, known } = request;
  return { jobId, attempt, run, lane, ...(known !== undefined && { known }) };
}

/** The Cloud Tasks operations the queue needs. */
export interface TaskScheduler {
  /** Creates the task; an existing task of the same name counts as success (at-least-once callers). */
  enqueue(request: TaskRequest): Promise<{ taskName: string }>;
  /**
   * Creates a webhook message's task on the webhook queue, named after the message, so creating it
   * again (the sweeper's rescue) creates nothing while it exists or its name is still reserved.
   */
  enqueueWebhook(request: WebhookTaskRequest): Promise<void>;
  /** Deletes a pending task of `lane`'s queue; a task that is already gone counts as success. */
  remove(jobId: string, attempt: number, run: number, lane: Lane): Promise<void>;
  /** Whether the task for this attempt still exists (scheduled or being dispatched). */
  exists(jobId: string, attempt: number, run: number, lane: Lane): Promise<boolean>;
  /**
   * Cheap liveness probe of a lane's queue (the interactive one when not given) or of the webhook
   * queue, for `/health` and a queued job's `waiting`: its state.
   */
  probe(queue?: Lane | "webhooks"): Promise<QueueRunState>;
}

/** A Cloud Tasks queue's state: only a running queue dispatches (an operator pauses or disables it). */
export type QueueRunState = "running" | "paused" | "disabled";

/**
 * The task id for a job's attempt. Random job ids give the hashed prefixes Google recommends; the
 * id never derives from the request's content hash, because names stay reserved for about an hour
 * after a task ends, and a legitimate repeat of the same request must still get its own task. A
 * replay from the dead-letter queue or a sweeper rescue starts a new run, so its task names are fresh.
 */
export function taskId(jobId: string, attempt: number, run = 0): string {
  return run === 0 ? `job-${jobId}-a${attempt}` : `job-${jobId}-r${run}-a${attempt}`;
}

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Builds the official client: the emulator differs only in where it connects and in plain-text gRPC. */
export function createTasksClient(config: Pick<Config, "tasksEmulatorHost" | "projectId">): CloudTasksClient {
  if (config.tasksEmulatorHost === undefined) return new CloudTasksClient();
  const at = config.tasksEmulatorHost.lastIndexOf(":");
  return new CloudTasksClient({
    servicePath: config.tasksEmulatorHost.slice(0, at).replace(/^\[|\]$/g, ""),
    port: Number(config.tasksEmulatorHost.slice(at + 1)),
    sslCreds: credentials.createInsecure(),
    projectId: config.projectId,
  });
}

/**
 * Per-call options that bound each Cloud Tasks call by `callTimeoutMs` (config.enqueueTimeoutMs)
 * instead of the client library's defaults: 20 s per attempt, and for the idempotent calls retries
 * on UNAVAILABLE/DEADLINE_EXCEEDED for up to 600 s. A stalled Cloud Tasks then costs a submission
 * a few seconds before its 503, not 21 s, and a sweeper run or a health probe is never held longer.
 * - CreateTask: one attempt (`retry: null`); a retry inside the same bound could not finish either,
 *   and the caller already has its answer for a failure (503, the handler's 5xx, the sweeper).
 * - Get/Delete/GetQueue: `timeout` alone makes gax cap the whole retrying call, total included, at
 *   that bound, so an UNAVAILABLE blip is still retried within it.
 */
function boundedCallOptions(callTimeoutMs: number) {
  return {
    create: { timeout: callTimeoutMs, retry: null },
    idempotent: { timeout: callTimeoutMs },
  } as const;
}

/** A {@link TaskScheduler} on Cloud Tasks, delivering HTTP POSTs of `{jobId, attempt, run}` to the handler. */
export function cloudTasksScheduler(
  client: CloudTasksClient,
  config: Pick<
    Config,
    | "projectId"
    | "location"
    | "queueId"
    | "batchQueueId"
    | "taskHandlerUrl"
    | "tasksServiceAccountEmail"
    | "tasksOidc"
    | "enqueueTimeoutMs"
    | "webhooks"
  >,
): TaskScheduler {
  const calls = boundedCallOptions(config.enqueueTimeoutMs);
  const nameOf = (jobId: string, attempt: number, run: number, lane: Lane) =>
    `${laneQueuePath(config, lane)}/tasks/${taskId(jobId, attempt, run)}`;
  return {
    async enqueue(request) {
      if (config.taskHandlerUrl === undefined) throw new Error("TASK_HANDLER_URL is not configured");
      const parent = laneQueuePath(config, request.lane);
      const name = nameOf(request.jobId, request.attempt, request.run, request.lane);
      const body = Buffer.from(JSON.stringify(taskBody(request)));
      const deadlineMs = Math.min(
        DISPATCH_DEADLINE_MAX_MS,
        Math.max(DISPATCH_DEADLINE_MIN_MS, request.dispatchDeadlineMs),
      );
      const task = {
        name,
        httpRequest: {
          httpMethod: "POST" as const,
          url: config.taskHandlerUrl,
          headers: {
            "Content-Type": "application/json",
            // Cloud Run replaces an incoming `traceparent`; a header of our own gets through.
            ...(request.traceparent !== undefined && { [TRACEPARENT_HEADER]: request.traceparent }),
          },
          body,
          ...oidcToken(config),
        },
        ...(request.notBeforeMs !== undefined && { scheduleTime: toTimestamp(request.notBeforeMs) }),
        dispatchDeadline: { seconds: Math.floor(deadlineMs / 1000), nanos: (deadlineMs % 1000) * 1e6 },
      };
      const attributes = { "genqueue.job.id": request.jobId, "genqueue.job.attempt": request.attempt };
      await inSpan("enqueue task", attributes, () => createTask(client, { parent, task }, calls.create), {
        kind: SpanKind.PRODUCER,
      });
      return { taskName: name };
    },
    async enqueueWebhook(request) {
      if (config.taskHandlerUrl === undefined) throw new Error("TASK_HANDLER_URL is not configured");
      const parent = webhookQueuePath(config);
      // The receiver's time plus room to record the attempt, within Cloud Tasks' 15 s minimum.
      const deadlineMs = Math.max(DISPATCH_DEADLINE_MIN_MS, config.webhooks.timeoutMs + 10_000);
      const task = {
        name: `${parent}/tasks/${request.messageId}`,
        httpRequest: {
          httpMethod: "POST" as const,
          url: webhookDeliveryUrl(config.taskHandlerUrl),
          headers: { "Content-Type": "application/json" },
          body: Buffer.from(JSON.stringify(request)),
          ...oidcToken(config),
        },
        dispatchDeadline: { seconds: Math.ceil(deadlineMs / 1000) },
      };
      const attributes = { "genqueue.job.id": request.jobId, "genqueue.webhook.id": request.messageId };
      await inSpan("enqueue webhook", attributes, () => createTask(client, { parent, task }, calls.create), {
        kind: SpanKind.PRODUCER,
      });
    },
    async remove(jobId, attempt, run, lane) {
      try {
        await client.deleteTask({ name: nameOf(jobId, attempt, run, lane) }, calls.idempotent);
      } catch (error) {
        if (grpcCode(error) !== GRPC_NOT_FOUND) throw error;
      }
    },
    async exists(jobId, attempt, run, lane) {
      try {
        await client.getTask({ name: nameOf(jobId, attempt, run, lane) }, calls.idempotent);
        return true;
      } catch (error) {
        if (grpcCode(error) === GRPC_NOT_FOUND) return false;
        throw error;
      }
    },
    async probe(which = "interactive") {
      const name = which === "webhooks" ? webhookQueuePath(config) : laneQueuePath(config, which);
      const [queue] = await client.getQueue({ name }, calls.idempotent);
      const state = String(queue.state);
      return state === "PAUSED" ? "paused" : state === "DISABLED" ? "disabled" : "running";
    },
  };
}

/**
 * The OIDC token every task carries when a service account is configured: signed as that account
 * for the handler's audience (TASK_HANDLER_URL), which generation and webhook deliveries share.
 */
function oidcToken(config: Pick<Config, "tasksServiceAccountEmail" | "taskHandlerUrl" | "tasksOidc">) {
  const email = config.tasksServiceAccountEmail;
  return email ? { oidcToken: { serviceAccountEmail: email, audience: taskTokenAudience(config) } } : {};
}

/** CreateTask, where ALREADY_EXISTS means an earlier call (ours, retried) created it: success. */
async function createTask(
  client: CloudTasksClient,
  request: Parameters<CloudTasksClient["createTask"]>[0],
  options: ReturnType<typeof boundedCallOptions>["create"],
): Promise<void> {
  try {
    await client.createTask(request, options);
  } catch (error) {
    if (grpcCode(error) !== GRPC_ALREADY_EXISTS) throw error;
  }
}

function toTimestamp(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
