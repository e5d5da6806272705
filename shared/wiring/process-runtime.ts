import { ConfigError, type Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { createPixelLabClient } from "../pixellab/client.ts";
import { createTaskTokenVerifier, type TaskTokenVerifier } from "../ports/task-token-verifier.ts";
import type { ProcessDeps } from "../deps.ts";
import { createCoreClients } from "./core-clients.ts";
import { baseDeps, type Runtime } from "./runtime.ts";

/** Everything the `processJob` function needs. */
export interface ProcessRuntime extends Runtime<ProcessDeps> {
  /** Undefined when no queue service account is configured (then IAM alone guards the function). */
  tokens: TaskTokenVerifier | undefined;
}

/** Builds the task handler's runtime once per instance. It refuses to start without a PixelLab key. */
export function createProcessRuntime(config: Config, options: { logger?: Logger } = {}): ProcessRuntime {
  const apiKey = config.pixellab.apiKey;
  if (apiKey === undefined) {
    throw new ConfigError(["PIXELLAB_API_KEY is not set: the task handler needs the PixelLab API key"]);
  }
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: [apiKey] });
  const clients = createCoreClients(config, logger);
  const pixellab = createPixelLabClient({
    baseUrl: config.pixellab.baseUrl,
    apiKey,
    pollIntervalMs: config.pixellab.pollIntervalMs,
    // The attempt's own AbortSignal bounds the wait; this only backs it up.
    maxJobWaitMs: config.jobTimeout.maxMs,
    requestTimeoutMs: config.jobTimeout.maxMs,
  });
  const deps: ProcessDeps = { ...baseDeps(config, clients, logger), pixellab };
  const email = config.tasksServiceAccountEmail;
  const audience = config.tasksOidc.audience ?? config.taskHandlerUrl;
  const tokens =
    email === undefined || audience === undefined
      ? undefined
      : createTaskTokenVerifier({ ...config.tasksOidc, audience, serviceAccountEmail: email });
  return { deps, tokens, firestore: clients.firestore, redis: clients.redis, close: clients.close };
}
