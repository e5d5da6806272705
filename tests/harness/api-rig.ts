import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { PubSub, type Message } from "@google-cloud/pubsub";
import { CloudTasksClient, type protos } from "@google-cloud/tasks";
import { pino } from "pino";
import { createApiHandler } from "../../functions/api.ts";
import { loadConfig, queuePath, type Config } from "../../shared/config.ts";
import type { AppCheckVerifier } from "../../shared/ports/app-check-verifier.ts";
import type { HostResolver } from "../../shared/ports/host-resolver.ts";
import { createApiRuntime, type ApiRuntime } from "../../shared/wiring/api-deps.ts";
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
  type CloudTasksEmulatorOptions,
} from "../tools/cloud-tasks-emulator/emulator.ts";
import { emulatorTokenVerifier } from "./auth-users.ts";
import { isolatedProjectId, uniqueName } from "./isolation.ts";

/** The `api` function served through the Functions Framework, wired to every emulator. */
export interface ApiRig {
  url: string;
  config: Config;
  runtime: ApiRuntime;
  tasksEmulator: CloudTasksEmulator;
  tasksClient: CloudTasksClient;
  queueName: string;
  /** Lifecycle events received on a subscription to the events topic, oldest first. */
  events: Message[];
  /** Tasks currently in the queue (FULL view). */
  listTasks(): Promise<protos.google.cloud.tasks.v2.ITask[]>;
  close(): Promise<void>;
}

export interface ApiRigOptions {
  /** Extra environment for loadConfig (limits, REDIS_URL, ...). */
  env?: Record<string, string>;
  /** Keep the queue paused so enqueued tasks stay put for inspection. @defaultValue true */
  pauseQueue?: boolean;
  /** Where tasks are delivered. @defaultValue an unused loopback URL (the queue is paused) */
  taskHandlerUrl?: string;
  /** Extra Cloud Tasks emulator settings (a dispatch deadline cap, a backoff scale). */
  tasksEmulator?: CloudTasksEmulatorOptions;
  /**
   * The App Check verifier when `APP_CHECK=required`. @defaultValue firebase-admin's, which refuses
   * a malformed token offline but cannot fetch Google's keys to accept a real one
   */
  appCheck?: AppCheckVerifier;
  /** DNS for webhook URLs. @defaultValue the system's */
  resolveHost?: HostResolver;
}

/**
 * Starts a Cloud Tasks emulator, creates an events topic and subscription in the Pub/Sub emulator,
 * builds the production runtime from `loadConfig` for an isolated project, and serves the real
 * `api` handler through the Functions Framework's own Express stack on a free port.
 */
export async function startApiRig(options: ApiRigOptions = {}): Promise<ApiRig> {
  const projectId = isolatedProjectId("api");
  const queueName = `projects/${projectId}/locations/us-central1/queues/generation`;
  const batchQueueName = `projects/${projectId}/locations/us-central1/queues/generation-batch`;
  const webhookQueueName = `projects/${projectId}/locations/us-central1/queues/webhooks`;
  const tasksEmulator = await startCloudTasksEmulator({
    queues: [queueName, batchQueueName, webhookQueueName],
    logger: pino({ level: "silent" }),
    ...options.tasksEmulator,
  });
  const tasksClient = new CloudTasksClient(tasksEmulator.clientOptions(projectId));
  if (options.pauseQueue ?? true) {
    await tasksClient.pauseQueue({ name: queueName });
    await tasksClient.pauseQueue({ name: batchQueueName });
    await tasksClient.pauseQueue({ name: webhookQueueName });
  }

  const eventsTopic = uniqueName("events");
  const pubsub = new PubSub({ projectId });
  const [topic] = await pubsub.createTopic(eventsTopic);
  const [subscription] = await topic.createSubscription(uniqueName("events-sub"));
  const events: Message[] = [];
  subscription.on("message", (message: Message) => {
    events.push(message);
    message.ack();
  });

  const config = loadConfig({
    ...process.env,
    GOOGLE_CLOUD_PROJECT: projectId,
    TASKS_EMULATOR_HOST: `127.0.0.1:${tasksEmulator.grpcPort}`,
    TASK_HANDLER_URL: options.taskHandlerUrl ?? "http://127.0.0.1:9/tasks",
    EVENTS_TOPIC: eventsTopic,
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    ...options.env,
  });
  const runtime = createApiRuntime(config, {
    logger: pino({ level: "silent" }),
    auth: emulatorTokenVerifier(),
    ...(options.appCheck !== undefined && { appCheck: options.appCheck }),
    ...(options.resolveHost !== undefined && { resolveHost: options.resolveHost }),
  });
  const name = uniqueName("api");
  functions.http(name, createApiHandler(runtime));
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    config,
    runtime,
    tasksEmulator,
    tasksClient,
    queueName: queuePath(config),
    events,
    async listTasks() {
      const [tasks] = await tasksClient.listTasks({ parent: queueName, responseView: "FULL" });
      return tasks;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await subscription.close();
      await pubsub.close();
      await runtime.close();
      await tasksClient.close();
      await tasksEmulator.stop();
    },
  };
}
