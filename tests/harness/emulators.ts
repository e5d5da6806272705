import { connect } from "node:net";
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
): Promise<RunningService> {
  const started = performance.now();
  const service = startServiceProcess(name, command, args);
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

/** Google's Firestore emulator from the Cloud SDK, on a free port. */
export async function startFirestoreEmulator(tools: Prerequisites, projectId: string): Promise<RunningService> {
  const port = await freePort();
  return startAndWait(
    "firestore",
    tools.firestoreEmulator,
    ["start", "--host=127.0.0.1", `--port=${port}`, `--project_id=${projectId}`],
    port,
    () => httpSaysOk(`http://127.0.0.1:${port}/`),
  );
}

/** Google's Pub/Sub emulator from the Cloud SDK, on a free port. */
export async function startPubsubEmulator(tools: Prerequisites): Promise<RunningService> {
  const port = await freePort();
  return startAndWait(
    "pubsub",
    tools.pubsubEmulator,
    ["--host=127.0.0.1", `--port=${port}`],
    port,
    () => httpSaysOk(`http://127.0.0.1:${port}/`),
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
