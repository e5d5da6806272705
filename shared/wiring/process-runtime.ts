import { ConfigError, type Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { createPixelLabClient } from "../pixellab/client.ts";
import {
  createTaskTokenVerifier,
  taskTokenAudience,
  type TaskTokenPolicy,
  type TaskTokenVerifier,
} from "../ports/task-token-verifier.ts";
import type { ProcessDeps } from "../deps.ts";
import type { IdTokenVerifier } from "../ports/id-token-verifier.ts";
import type { HostResolver } from "../ports/host-resolver.ts";
import { httpWebhookSender, type WebhookSender } from "../webhooks/webhook-sender.ts";
import { createCoreClients } from "./core-clients.ts";
import { firebaseAuthVerifier } from "./firebase-auth.ts";
import { baseDeps, clientParts, type Runtime } from "./runtime.ts";

/** Everything the `processJob` function needs. */
export interface ProcessRuntime extends Runtime<ProcessDeps> {
  /** Undefined only with the local-only switch `UNVERIFIED_TASKS_LOCAL_ONLY` (against the emulator). */
  tokens: TaskTokenVerifier | undefined;
  /** Verifies the admins' Firebase ID tokens that may scrape `GET /metrics`. */
  auth: IdTokenVerifier;
}

/**
 * How the handler verifies Cloud Tasks' OIDC token, from the config. Verification is mandatory:
 * without the service account or the audience it throws a {@link ConfigError} naming them, so an
 * instance never serves a delivery it cannot authenticate (IAM alone would leave the handler open to
 * anyone a misconfigured binding lets in). Undefined only under the local-only switch, which
 * loadConfig accepts only together with TASKS_EMULATOR_HOST.
 */
export function taskTokenPolicy(config: Config): TaskTokenPolicy | undefined {
  if (config.allowUnverifiedTasks) return undefined;
  const email = config.tasksServiceAccountEmail;
  const audience = taskTokenAudience(config);
  const problems: string[] = [];
  if (email === undefined) {
    problems.push("TASKS_SERVICE_ACCOUNT_EMAIL is not set: processJob accepts only tokens of this account");
  }
  if (audience === undefined) {
    problems.push("TASK_HANDLER_URL is not set: it is the audience of Cloud Tasks' tokens");
  }
  if (email === undefined || audience === undefined) {
    problems.push(
      "processJob refuses to serve unverified deliveries (UNVERIFIED_TASKS_LOCAL_ONLY=true allows it against the local Cloud Tasks emulator only)",
    );
    throw new ConfigError(problems);
  }
  return { ...config.tasksOidc, audience, serviceAccountEmail: email };
}

/**
 * Builds the task handler's runtime once per instance. It refuses to start, before any client is
 * made, without a PixelLab key or without what it needs to verify Cloud Tasks' tokens.
 */
export function createProcessRuntime(
  config: Config,
  options: {
    logger?: Logger;
    auth?: IdTokenVerifier;
    resolveHost?: HostResolver;
    sendWebhook?: WebhookSender;
  } = {},
): ProcessRuntime {
  const apiKey = config.pixellab.apiKey;
  if (apiKey === undefined) {
    throw new ConfigError(["PIXELLAB_API_KEY is not set: the task handler needs the PixelLab API key"]);
  }
  const policy = taskTokenPolicy(config);
  const logger =
    options.logger ??
    createLogger({
      level: config.logLevel,
      secrets: [apiKey],
      projectId: config.projectId,
    });
  if (policy === undefined) {
    logger.warn({}, "UNVERIFIED_TASKS_LOCAL_ONLY: deliveries are served without checking their OIDC token");
  }
  const clients = createCoreClients(config, logger);
  const pixellab = createPixelLabClient({
    baseUrl: config.pixellab.baseUrl,
    apiKey,
    pollIntervalMs: config.pixellab.pollIntervalMs,
    // The attempt's own AbortSignal bounds the wait; this only backs it up.
    maxJobWaitMs: config.jobTimeout.maxMs,
    requestTimeoutMs: config.jobTimeout.maxMs,
  });
  const deps: ProcessDeps = {
    ...baseDeps(config, clients, logger, options.resolveHost),
    pixellab,
    sendWebhook: options.sendWebhook ?? httpWebhookSender,
  };
  const tokens = policy === undefined ? undefined : createTaskTokenVerifier(policy);
  return {
    deps,
    tokens,
    ...clientParts(clients),
    auth: options.auth ?? firebaseAuthVerifier(config.projectId),
  };
}
