import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { freePort } from "./free-port.ts";
import { logTail, startServiceProcess, type ServiceProcess } from "./service-process.ts";
import { waitFor } from "./wait-for.ts";
import type { Prerequisites } from "./prerequisites.ts";

/** A started local dependency and the address clients use to reach it. */
export interface RunningService {
  process: ServiceProcess;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  /** Time from spawn to the first good answer, in ms. */
  startupMs: number;
}

/** How long one service may take to answer after spawn, in ms (the JVM emulators take 3-10 s cold). */
const STARTUP_TIMEOUT_MS = 60_000;

async function httpSaysOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return response.ok && (await response.text()).trim() === "Ok";
}

function redisAnswersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(1_000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function startAndWait(
  name: string,
  command: string,
  args: string[],
  port: number,
  ready: () => Promise<boolean>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService> {
  const started = performance.now();
  const service = startServiceProcess(name, command, args, env);
  try {
    await waitFor(
      async () => {
        if (service.exited()) throw new Error(`${name} exited early:\n${logTail(service)}`);
        return ready();
      },
      { timeoutMs: STARTUP_TIMEOUT_MS, intervalMs: 100, description: `${name} to answer on port ${port}` },
    );
  } catch (error) {
    await service.stop();
    throw new Error(`${(error as Error).message}\n--- ${name} log ---\n${logTail(service)}`);
  }
  return { process: service, host: `127.0.0.1:${port}`, port, startupMs: performance.now() - started };
}

/** Where to run one emulator: a fixed port (the local stack) or a free one (tests). */
export interface EmulatorPlacement {
  port?: number;
}

/** Google's Firestore emulator from the Cloud SDK, on a free port unless one is given. */
export async function startFirestoreEmulator(
  tools: Prerequisites,
  projectId: string,
  options: EmulatorPlacement & { rulesFile?: string } = {},
): Promise<RunningService> {
  const port = options.port ?? (await freePort());
  const rules = options.rulesFile === undefined ? [] : [`--rules=${options.rulesFile}`];
  return startAndWait(
    "firestore",
    tools.firestoreEmulator,
    ["start", "--host=127.0.0.1", `--port=${port}`, `--project_id=${projectId}`, ...rules],
    port,
    () => httpSaysOk(`http://127.0.0.1:${port}/`),
  );
}

/** Google's Pub/Sub emulator from the Cloud SDK, on a free port unless one is given. */
export async function startPubsubEmulator(
  tools: Prerequisites,
  options: EmulatorPlacement = {},
): Promise<RunningService> {
  const port = options.port ?? (await freePort());
  return startAndWait("pubsub", tools.pubsubEmulator, ["--host=127.0.0.1", `--port=${port}`], port, () =>
    httpSaysOk(`http://127.0.0.1:${port}/`),
  );
}

/** A private redis-server that keeps nothing on disk, so a test can stop it to simulate an outage. */
export async function startRedis(tools: Prerequisites, port?: number): Promise<RunningService> {
  const chosen = port ?? (await freePort());
  return startAndWait(
    "redis",
    tools.redisServer,
    ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    chosen,
    () => redisAnswersPing(chosen),
  );
}

async function authSaysReady(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  if (!response.ok) return false;
  const body = (await response.json()) as { authEmulator?: { ready?: boolean } };
  return body.authEmulator?.ready === true;
}

/**
 * The Firebase Auth emulator (pure Node, from firebase-tools), on a free port unless one is given. It
 * runs from its own folder with a generated firebase.json (so its hub and logging ports never clash
 * with a running local stack), and its debug logs land under .tmp/.
 */
export async function startAuthEmulator(
  projectId: string,
  options: EmulatorPlacement = {},
): Promise<RunningService> {
  const [port, hubPort, loggingPort] = [
    options.port ?? (await freePort()),
    await freePort(),
    await freePort(),
  ];
  const dir = path.resolve(".tmp", `auth-${process.pid}-${port}`);
  mkdirSync(dir, { recursive: true });
  const config = {
    emulators: {
      auth: { host: "127.0.0.1", port },
      hub: { host: "127.0.0.1", port: hubPort },
      logging: { host: "127.0.0.1", port: loggingPort },
      ui: { enabled: false },
    },
  };
  writeFileSync(path.join(dir, "firebase.json"), JSON.stringify(config));
  const firebase = path.resolve("node_modules", ".bin", "firebase");
  const args = [
    "emulators:start",
    "--only",
    "auth",
    "--project",
    projectId,
    "--config",
    path.join(dir, "firebase.json"),
  ];
  // CI=true stops firebase-tools fetching its message of the day, which waits on a network this
  // machine does not have (about 15 s).
  const env = { ...process.env, CI: "true" };
  return startAndWait("auth", firebase, args, port, () => authSaysReady(`http://127.0.0.1:${port}/`), env);
}
