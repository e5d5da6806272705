import path from "node:path";
import { Firestore } from "@google-cloud/firestore";
import { CloudTasksClient } from "@google-cloud/tasks";
import { credentials } from "@grpc/grpc-js";
import {
  startAuthEmulator,
  startFirestoreEmulator,
  startPubsubEmulator,
  startRedis,
} from "../../harness/emulators.ts";
import { freePort } from "../../harness/free-port.ts";
import { checkPrerequisites, type Prerequisites } from "../../harness/prerequisites.ts";
import { allServices, type ServiceProcess } from "../../harness/service-process.ts";
import { startFakePixelLab, type FakePixelLab, type FakePixelLabOptions } from "../pixellab-fake/server.ts";
import { startFunction, startNodeTool } from "./function-process.ts";
import { startOtlpReceiver } from "./otlp-receiver.ts";
import type { StackPorts } from "./ports.ts";
import {
  functionEnv,
  STACK_BATCH_QUEUE,
  STACK_PROJECT,
  STACK_QUEUE,
  STACK_WEBHOOK_QUEUE,
} from "./stack-env.ts";
import { prepareCloud } from "./start-stack.ts";

/** The three function targets, in the order they start. */
export const FUNCTION_TARGETS = ["api", "processJob", "sweep"] as const;
export type FunctionTarget = (typeof FUNCTION_TARGETS)[number];

const FUNCTION_SOURCES: Readonly<Record<FunctionTarget, string>> = {
  api: "functions/api.ts",
  processJob: "functions/process-job.ts",
  sweep: "functions/sweep.ts",
};

export interface TestStackOptions {
  /** Variables the functions run with on top of the local stack's (`functionEnv`). @defaultValue none */
  env?: Readonly<Record<string, string>>;
  /** The in-process offline PixelLab's options (its port is always a free one). @defaultValue defaults */
  pixellab?: Omit<FakePixelLabOptions, "port" | "host">;
  /** Security rules the Firestore emulator enforces on client-SDK traffic. @defaultValue none (open) */
  rulesFile?: string;
  /** Progress lines (which service is up, with its pid). @defaultValue none */
  log?: (line: string) => void;
  /**
   * Run the functions with the OpenTelemetry SDK on, exporting to an OTLP receiver of this stack's
   * (spans into `.tmp/test-stack-<pid>/spans.jsonl`), as production runs them. @defaultValue false
   */
  telemetry?: boolean;
}

/** The local stack's parts on free ports, each process a handle that can be stopped and started again. */
export interface TestStack {
  ports: StackPorts;
  projectId: string;
  queueName: string;
  apiUrl: string;
  sweepUrl: string;
  /** `127.0.0.1:PORT` of the Auth emulator, where users sign up. */
  authHost: string;
  /** What every function process runs with. */
  env: NodeJS.ProcessEnv;
  /** This process's own clients (for audits, RunTask and measurements). */
  firestore: Firestore;
  tasks: CloudTasksClient;
  /** The offline PixelLab, in this process so its stats are read directly. */
  pixellab: FakePixelLab;
  /** Every log file of every process started, restarts included. */
  logFiles: { name: string; file: string }[];
  /** The service now running under `name` (firestore, pubsub, auth, redis, cloud-tasks-emulator, or a target). */
  service(name: string): ServiceProcess | undefined;
  /** Starts one function target (again) and waits until it answers. */
  startFunction(target: FunctionTarget): Promise<void>;
  startRedis(): Promise<void>;
  /** Starts the Cloud Tasks emulator (again); the queue settings are the caller's to apply. */
  startTasksEmulator(): Promise<void>;
  /** Gives the queue production's settings and creates the events topic. */
  prepareCloud(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, "../../..");

/**
 * Starts Firestore, Pub/Sub, Auth, Redis, the Cloud Tasks emulator, the offline PixelLab (in this
 * process) and the three functions, as `npm start` does but on free ports and without the web client
 * or a sweeper timer. If anything fails to start, what already runs is stopped. Must run from the
 * repository root (the functions are started by relative path).
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  if (process.cwd() !== ROOT) throw new Error(`run from the repository root (${ROOT})`);
  const log = options.log ?? (() => undefined);
  process.env.METADATA_SERVER_DETECTION = "none";
  const tools = checkPrerequisites();
  const pixellab = await startFakePixelLab({ ...options.pixellab, port: 0 });
  const ports = await freePorts(pixellab.port, options.telemetry === true);
  const receiver =
    ports.otlp === undefined
      ? undefined
      : await startOtlpReceiver({
          port: ports.otlp,
          file: path.join(ROOT, ".tmp", `test-stack-${process.pid}`, "spans.jsonl"),
        });
  const env: NodeJS.ProcessEnv = {
    ...functionEnv(ports, { PATH: process.env.PATH, HOME: process.env.HOME }),
    ...options.env,
  };
  const services = new Map<string, ServiceProcess>();
  const logFiles: TestStack["logFiles"] = [];
  const track = (service: ServiceProcess) => {
    services.set(service.name, service);
    logFiles.push({ name: service.name, file: service.logFile });
    log(`  up: ${service.name} (${service.pid})`);
  };
  // Last resort on exit (Ctrl-C, a crash): every process group this process started, ready or not.
  const killAll = () => {
    services.forEach((s) => s.killNow());
    allServices.killNow();
  };
  process.once("exit", killAll);
  const previousFirestore = process.env.FIRESTORE_EMULATOR_HOST;
  const clients: { firestore?: Firestore; tasks?: CloudTasksClient } = {};
  const starters = processStarters(tools, ports, env, options.rulesFile, track);
  const stop = async () => {
    const pubsub = services.get("pubsub");
    if (pubsub !== undefined) signalGroup(pubsub.pid, "SIGCONT"); // a frozen emulator cannot stop
    await Promise.allSettled([clients.tasks?.close(), clients.firestore?.terminate()]);
    await Promise.allSettled([...services.values()].map((s) => s.stop()));
    await receiver?.stop(); // after the functions: what they flush on the way out still lands
    await pixellab.stop();
    process.removeListener("exit", killAll);
    if (previousFirestore === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousFirestore;
  };

  try {
    await Promise.all([
      starters.firestore(),
      starters.pubsub(),
      starters.auth(),
      starters.redis(),
      starters.tasks(),
    ]);
    await prepareCloud(ports, env);
    // The Firestore client library reads this variable before any setting (the test harness sets its own).
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${ports.firestore}`;
    clients.firestore = new Firestore({ projectId: STACK_PROJECT });
    clients.tasks = new CloudTasksClient({
      servicePath: "127.0.0.1",
      port: ports.tasks,
      sslCreds: credentials.createInsecure(),
      projectId: STACK_PROJECT,
    });
    for (const target of FUNCTION_TARGETS) await starters.function(target);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    ports,
    projectId: STACK_PROJECT,
    queueName: STACK_QUEUE,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    sweepUrl: `http://127.0.0.1:${ports.sweep}/`,
    authHost: `127.0.0.1:${ports.auth}`,
    env,
    firestore: clients.firestore,
    tasks: clients.tasks,
    pixellab,
    logFiles,
    service: (name) => services.get(name),
    startFunction: starters.function,
    startRedis: starters.redis,
    startTasksEmulator: starters.tasks,
    prepareCloud: () => prepareCloud(ports, env),
    stop,
  };
}

/** One starter per process of the stack; each registers what it started through `track`. */
function processStarters(
  tools: Prerequisites,
  ports: StackPorts,
  env: NodeJS.ProcessEnv,
  rulesFile: string | undefined,
  track: (service: ServiceProcess) => void,
) {
  const toolEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const firestoreOptions = { port: ports.firestore, ...(rulesFile !== undefined && { rulesFile }) };
  return {
    firestore: async () =>
      track((await startFirestoreEmulator(tools, STACK_PROJECT, firestoreOptions)).process),
    pubsub: async () => track((await startPubsubEmulator(tools, { port: ports.pubsub })).process),
    auth: async () => track((await startAuthEmulator(STACK_PROJECT, { port: ports.auth })).process),
    redis: async () => track((await startRedis(tools, ports.redis)).process),
    tasks: async () =>
      track(
        await startNodeTool(
          "cloud-tasks-emulator",
          "tests/tools/cloud-tasks-emulator/cli.ts",
          [
            ...["--port", `${ports.tasks}`, "--http-port", `${ports.tasksAdmin}`],
            ...["--queue", STACK_QUEUE, "--queue", STACK_BATCH_QUEUE, "--queue", STACK_WEBHOOK_QUEUE],
          ],
          `http://127.0.0.1:${ports.tasksAdmin}/`,
          toolEnv,
        ),
      ),
    function: async (target: FunctionTarget) =>
      track(await startFunction(target, path.join(ROOT, FUNCTION_SOURCES[target]), ports[target], env)),
  };
}

/** Sends `signal` to a process group; false when it is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function freePorts(pixellab: number, telemetry: boolean): Promise<StackPorts> {
  const names = ["firestore", "pubsub", "auth", "tasks", "tasksAdmin", "redis", "api", "processJob", "sweep"];
  if (telemetry) names.push("otlp");
  const ports: Record<string, number> = { pixellab, web: 0 };
  const taken = new Set([pixellab]);
  for (const name of names) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports as unknown as StackPorts;
}
