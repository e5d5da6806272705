import { randomBytes, randomUUID } from "node:crypto";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { pino, type Logger } from "pino";
import { createAdminServer } from "./admin-http.ts";
import { DispatchLoop } from "./dispatch-loop.ts";
import { EmulatorState } from "./emulator-state.ts";
import { createGrpcServer, type CloudTasksRpc } from "./grpc-service.ts";
import { waitForIdle } from "./idle.ts";
import { parseQueueName, type RandomBytes } from "./names.ts";
import {
  certsDocument,
  createOidcKey,
  jwksDocument,
  mintIdToken,
  openidConfiguration,
  type OidcKey,
} from "./oidc.ts";
import { loadServices } from "./protos.ts";
import { RpcHold } from "./rpc-hold.ts";
import type { TaskRecord } from "./task-record.ts";

/** Options of {@link startCloudTasksEmulator}; every duration is in ms. */
export interface CloudTasksEmulatorOptions {
  /** Interface both ports bind to. @defaultValue "127.0.0.1" (loopback only; "0.0.0.0" for containers) */
  host?: string;
  /** gRPC port. @defaultValue 0 (a free port chosen by the kernel) */
  port?: number;
  /** Admin HTTP port (OIDC discovery, reset, wait-idle). @defaultValue 0 */
  httpPort?: number;
  /** Queues created at start and again on every reset, as full names. */
  queues?: string[];
  /** Factor on retry backoffs and max_retry_duration, e.g. 0.01 for tests. @defaultValue 1 */
  backoffScale?: number;
  /** How long a finished or deleted task's name stays reserved. @defaultValue 3_600_000 (1 h) */
  tombstoneMs?: number;
  /** How long a deleted queue's name cannot be re-created. @defaultValue 604_800_000 (7 days) */
  queueReuseBlockMs?: number;
  /** Upper bound on every attempt's dispatch deadline, so timeouts test quickly. @defaultValue none */
  dispatchDeadlineCapMs?: number;
  /** PurgeQueue also frees the purged task names. @defaultValue false */
  hardResetOnPurge?: boolean;
  /** CreateTask on a missing queue answers FAILED_PRECONDITION like older production. @defaultValue false */
  legacyMissingQueueCode?: boolean;
  /** `iss` of minted ID tokens. @defaultValue the admin port's base URL, so discovery works */
  issuer?: string;
  /** Epoch ms; injected for tests. @defaultValue µs-precise wall clock */
  now?: () => number;
  random?: RandomBytes;
  /** Receives one `info` line per attempt. @defaultValue pino to stdout */
  logger?: Logger;
}

/** A running emulator. */
export interface CloudTasksEmulator {
  host: string;
  grpcPort: number;
  httpPort: number;
  /** `http://host:httpPort`, where discovery, reset and wait-idle answer. */
  httpBaseUrl: string;
  issuer: string;
  /** Options for `new CloudTasksClient(...)`: the only emulator-specific client setting. */
  clientOptions(projectId: string): {
    servicePath: string;
    port: number;
    sslCreds: grpc.ChannelCredentials;
    projectId: string;
  };
  /** Forgets everything (queues, tasks, tombstones, deleted names), cancels attempts, re-creates start queues. */
  reset(): void;
  /** Resolves once the queue (or every queue) holds no task and has no attempt in flight. */
  waitUntilIdle(queueName?: string, timeoutMs?: number): Promise<void>;
  /**
   * Test control, a stalled service: these RPCs are received but not answered until
   * {@link releaseRpcs}, so callers see only their own deadline.
   */
  holdRpcs(rpcs: readonly CloudTasksRpc[]): void;
  /** Answers the held calls in arrival order (a held CreateTask then creates its task); returns how many. */
  releaseRpcs(): number;
  /** Calls being held right now. */
  heldRpcCount(): number;
  stop(): Promise<void>;
}

/** µs-precise wall clock; drift against Date.now() is negligible over a test run. */
const preciseNow = (): number => performance.timeOrigin + performance.now();

function checkOptions(o: CloudTasksEmulatorOptions): void {
  const nonNegative = {
    tombstoneMs: o.tombstoneMs,
    queueReuseBlockMs: o.queueReuseBlockMs,
    dispatchDeadlineCapMs: o.dispatchDeadlineCapMs,
  };
  for (const [key, value] of Object.entries(nonNegative)) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      throw new Error(`${key} must be >= 0 ms, got ${value}`);
  }
  if (o.backoffScale !== undefined && !(o.backoffScale > 0))
    throw new Error(`backoffScale must be > 0, got ${o.backoffScale}`);
  o.queues?.forEach((name) => parseQueueName(name));
}

function authorizer(key: OidcKey, issuer: () => string) {
  return async (task: TaskRecord, nowMs: number): Promise<string | undefined> => {
    const auth = task.target.auth;
    if (auth === undefined) return undefined;
    // OAuth tokens are meant for *.googleapis.com; an opaque fake is all a local handler can get.
    if (auth.kind === "oauth") return `Bearer emulator-oauth-${randomUUID()}`;
    const audience = auth.audience ?? task.target.url;
    return `Bearer ${await mintIdToken(key, { issuer: issuer(), audience, serviceAccountEmail: auth.serviceAccountEmail, nowMs })}`;
  };
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
}

/** Graceful first; a client stuck mid-call must not hold a test run open for more than 2 s. */
function shutdownGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 2_000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** Starts the gRPC and admin HTTP servers and returns once both listen. */
export async function startCloudTasksEmulator(
  options: CloudTasksEmulatorOptions = {},
): Promise<CloudTasksEmulator> {
  checkOptions(options);
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? preciseNow;
  const logger = options.logger ?? pino({ name: "cloud-tasks-emulator" });
  const key = await createOidcKey();
  let issuer = options.issuer ?? "";
  const state = new EmulatorState({
    tombstoneMs: options.tombstoneMs ?? 3_600_000,
    queueReuseBlockMs: options.queueReuseBlockMs ?? 7 * 24 * 3_600_000,
    legacyMissingQueueCode: options.legacyMissingQueueCode ?? false,
  });
  const loop = new DispatchLoop({
    state,
    now,
    backoffScale: options.backoffScale ?? 1,
    dispatchDeadlineCapMs: options.dispatchDeadlineCapMs,
    authorization: authorizer(key, () => issuer),
    log: (line) => logger.info(line, "cloud tasks attempt"),
  });
  const createStartQueues = (): void => {
    for (const name of options.queues ?? []) state.newQueue(parseQueueName(name), undefined, now());
  };
  createStartQueues();

  const reset = (): void => {
    loop.cancelAll();
    state.clear();
    createStartQueues();
    loop.notify();
  };

  const waitUntilIdle = (queueName?: string, timeoutMs = 30_000): Promise<void> =>
    waitForIdle(state, loop, queueName, timeoutMs);

  const hold = new RpcHold();
  const grpcServer = createGrpcServer(
    loadServices(),
    {
      state,
      loop,
      now,
      random: options.random ?? randomBytes,
      hardResetOnPurge: options.hardResetOnPurge ?? false,
    },
    hold,
  );
  const publicHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  let httpBaseUrl = "";
  const admin = createAdminServer({
    openidConfiguration: () => openidConfiguration(issuer, httpBaseUrl),
    jwks: () => jwksDocument(key),
    certs: () => certsDocument(key),
    reset,
    waitUntilIdle,
  });
  const grpcPort = await bindGrpc(grpcServer, host, options.port ?? 0);
  let httpPort: number;
  try {
    httpPort = await listen(admin, host, options.httpPort ?? 0);
  } catch (error) {
    grpcServer.forceShutdown();
    throw error;
  }
  httpBaseUrl = `http://${publicHost}:${httpPort}`;
  issuer = issuer || httpBaseUrl;

  return {
    host,
    grpcPort,
    httpPort,
    httpBaseUrl,
    issuer,
    clientOptions: (projectId) => ({
      servicePath: publicHost,
      port: grpcPort,
      sslCreds: grpc.credentials.createInsecure(),
      projectId,
    }),
    reset,
    waitUntilIdle,
    holdRpcs: (rpcs) => hold.hold(rpcs),
    releaseRpcs: () => hold.release(),
    heldRpcCount: () => hold.waitingCount,
    async stop() {
      hold.drop();
      loop.cancelAll();
      state.clear();
      await shutdownGrpc(grpcServer);
      admin.closeAllConnections();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
  };
}
