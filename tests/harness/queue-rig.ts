import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { Request, Response } from "@google-cloud/functions-framework";
import { destination, pino } from "pino";
import { createProcessJobHandler } from "../../functions/process-job.ts";
import { loadConfig } from "../../shared/config.ts";
import { createProcessRuntime, type ProcessRuntime } from "../../shared/wiring/process-runtime.ts";
import type { HostResolver } from "../../shared/ports/host-resolver.ts";
import { startFakePixelLab, type FakePixelLab } from "../tools/pixellab-fake/server.ts";
import { startApiRig, type ApiRig, type ApiRigOptions } from "./api-rig.ts";
import { call } from "./http-client.ts";
import { waitFor } from "./wait-for.ts";
import { uniqueName } from "./isolation.ts";

/** The whole queue: api + Cloud Tasks emulator dispatching to processJob, which calls the fake PixelLab. */
export interface QueueRig extends ApiRig {
  pixellab: FakePixelLab;
  handlerUrl: string;
  processRuntime: ProcessRuntime;
}

export interface QueueRigOptions {
  env?: Record<string, string>;
  /** Server-wide fake scenario. @defaultValue "success" */
  scenario?: string;
  /** How long the fake's background jobs run, in ms. @defaultValue 300 */
  backgroundJobDurationMs?: number;
  /** Answer every create call as a background job. @defaultValue false */
  async?: boolean;
  /** Extra Cloud Tasks emulator settings (e.g. `dispatchDeadlineCapMs` to abort slow deliveries). */
  tasksEmulator?: ApiRigOptions["tasksEmulator"];
  /** DNS for webhook URLs, in the api and the handler. @defaultValue the system's */
  resolveHost?: HostResolver;
}

/** The queue service account the emulator signs OIDC tokens as, and the handler insists on. */
export const QUEUE_SERVICE_ACCOUNT = "generation-queue@demo-queue.iam.gserviceaccount.com";

/** Environment for fast, faithful end-to-end runs: short retry delays and polls, real semantics. */
const FAST_ENV = {
  RETRY_BASE_DELAY_MS: "200",
  RETRY_MAX_DELAY_MS: "2000",
  PIXELLAB_POLL_INTERVAL_MS: "50",
  EXPECTED_JOB_MS: "1000",
};

/**
 * Starts the fake PixelLab, the `processJob` function (Functions Framework, on a free port), and an
 * api rig whose Cloud Tasks queue runs and delivers to that handler with OIDC tokens the handler
 * verifies against the emulator's JWKS. Every part is the production code path.
 */
export async function startQueueRig(options: QueueRigOptions = {}): Promise<QueueRig> {
  const pixellab = await startFakePixelLab({
    scenario: options.scenario ?? "success",
    backgroundJobDurationMs: options.backgroundJobDurationMs ?? 300,
    async: options.async ?? false,
  });
  // The handler's server must exist before the queue knows its URL; its runtime comes after.
  const target: { handle?: (req: Request, res: Response) => Promise<void> } = {};
  const name = uniqueName("process-job");
  functions.http(name, (req, res) => (target.handle ? target.handle(req, res) : void res.status(503).end()));
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const handlerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const env = { ...FAST_ENV, TASKS_SERVICE_ACCOUNT_EMAIL: QUEUE_SERVICE_ACCOUNT, ...options.env };
  const api = await startApiRig({
    env,
    pauseQueue: false,
    taskHandlerUrl: handlerUrl,
    ...(options.tasksEmulator && { tasksEmulator: options.tasksEmulator }),
    ...(options.resolveHost && { resolveHost: options.resolveHost }),
  });
  const config = loadConfig({
    ...process.env,
    ...env,
    GOOGLE_CLOUD_PROJECT: api.config.projectId,
    TASKS_EMULATOR_HOST: `127.0.0.1:${api.tasksEmulator.grpcPort}`,
    TASK_HANDLER_URL: handlerUrl,
    TASKS_OIDC_ISSUER: api.tasksEmulator.issuer,
    TASKS_OIDC_JWKS_URL: `${api.tasksEmulator.httpBaseUrl}/jwks`,
    EVENTS_TOPIC: api.config.eventsTopic,
    PIXELLAB_BASE_URL: pixellab.v1Url,
    PIXELLAB_API_KEY: "fake-pixellab-key",
    REDIS_URL: api.config.redisUrl ?? "",
    LOG_LEVEL: "warn",
  });
  // QUEUE_RIG_LOG=debug (and QUEUE_RIG_LOG_FILE=path) shows the handler's log when a test needs explaining.
  const level = process.env.QUEUE_RIG_LOG ?? "silent";
  const logFile = destination({ dest: process.env.QUEUE_RIG_LOG_FILE ?? 2, sync: true });
  const processRuntime = createProcessRuntime(config, {
    logger: pino({ level }, logFile),
    ...(options.resolveHost && { resolveHost: options.resolveHost }),
  });
  target.handle = createProcessJobHandler(processRuntime);

  return {
    ...api,
    pixellab,
    handlerUrl,
    processRuntime,
    async close() {
      await api.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await processRuntime.close();
      await pixellab.stop();
    },
  };
}

/** The job as its owner reads it over HTTP. */
export interface JobSeen {
  jobId: string;
  status: string;
  attempts: number;
  progress: { percent: number; stage: string };
  error?: { type: string; message: string; retryable: boolean };
  [key: string]: unknown;
}

/** Polls `GET /v1/jobs/{id}` until the job reaches one of `statuses`; fails naming the last status seen. */
export async function waitForJob(
  rig: ApiRig,
  token: string,
  jobId: string,
  statuses: readonly string[] = ["completed", "failed", "cancelled"],
  timeoutMs = 30_000,
): Promise<JobSeen> {
  return waitFor(
    async () => {
      const res = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token });
      const job = res.body as JobSeen;
      return statuses.includes(job.status) ? job : undefined;
    },
    { timeoutMs, intervalMs: 100, description: `job ${jobId} to be ${statuses.join(" or ")}` },
  );
}
