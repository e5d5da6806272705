import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import type { IdTokenVerifier } from "../ports/id-token-verifier.ts";
import type { HostResolver } from "../ports/host-resolver.ts";
import { createCoreClients } from "./core-clients.ts";
import { getAppCheck } from "firebase-admin/app-check";
import { firebaseAppCheckVerifier, type AppCheckVerifier } from "../ports/app-check-verifier.ts";
import { firebaseAuthVerifier, queueFirebaseApp } from "./firebase-auth.ts";
import { baseDeps, clientParts, type Runtime } from "./runtime.ts";

/** Everything the `api` function needs, plus what it must close on shutdown. */
export interface ApiRuntime extends Runtime {
  auth: IdTokenVerifier;
  /** Set when `APP_CHECK=required`: the job routes verify App Check tokens with it. */
  appCheck: AppCheckVerifier | undefined;
}

/** Builds the `api` function's runtime once per instance (cold start), from a validated config. */
export function createApiRuntime(
  config: Config,
  options: {
    logger?: Logger;
    auth?: IdTokenVerifier;
    appCheck?: AppCheckVerifier;
    resolveHost?: HostResolver;
  } = {},
): ApiRuntime {
  const logger = options.logger ?? createLogger({ level: config.logLevel, projectId: config.projectId });
  const clients = createCoreClients(config, logger);
  const deps = baseDeps(config, clients, logger, options.resolveHost);
  const auth = options.auth ?? firebaseAuthVerifier(config.projectId);
  const appCheck =
    config.appCheck === "off"
      ? undefined
      : (options.appCheck ?? firebaseAppCheckVerifier(getAppCheck(queueFirebaseApp(config.projectId))));
  return {
    deps,
    auth,
    appCheck,
    ...clientParts(clients),
  };
}
