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
import { checkPrerequisites } from "../../harness/prerequisites.ts";
import { allServices, type ServiceProcess } from "../../harness/service-process.ts";
import { startFakePixelLab, type FakePixelLab } from "../pixellab-fake/server.ts";
import { startFunction, startNodeTool } from "../stack/function-process.ts";
import type { StackPorts } from "../stack/ports.ts";
import { functionEnv, STACK_PROJECT, STACK_QUEUE } from "../stack/stack-env.ts";
import { prepareCloud } from "../stack/start-stack.ts";

/** The local stack's parts on free ports, each one a handle the fault injector can kill or freeze. */
export interface ChaosStack {
  ports: StackPorts;
  projectId: string;
  queueName: string;
  apiUrl: string;
  sweepUrl: string;
  /** `127.0.0.1:PORT` of the Auth emulator, where the run signs its users up. */
  authHost: string;
  /** This process's own clients, for the audit and for RunTask. */
  firestore: Firestore;
  tasks: CloudTasksClient;
  /** The offline PixelLab, in this process so its stats are read directly. */
  pixellab: FakePixelLab;
  /** Every log file of every process started, restarts included. */
  logFiles: { name: string; file: string }[];
  /** Waits, at most `timeoutMs`, until some job is processing; returns how many are. */
  untilProcessing(timeoutMs: number): Promise<number>;
  killProcessJob(): void;
  startProcessJob(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  pausePubsub(): void;
  resumePubsub(): void;
  /** Kills the Cloud Tasks emulator (its tasks are lost) and starts it again with the queue settings. */
  restartTasksEmulator(): Promise<void>;
  stop(): Promise<void>;
}

/** What the functions run with beyond the local stack's environment: short timeouts and a busy sweeper. */
export interface ChaosEnv {
  sweepStaleMs: number;
}

const ROOT = path.resolve(import.meta.dirname, "../../..");
const source = (file: string) => path.join(ROOT, file);

/**
 * Starts Firestore, Pub/Sub, Auth, Redis, the Cloud Tasks emulator, the offline PixelLab and the three
 * functions, as `npm start` does but on free ports and without the web client. If anything fails to
 * start, what already runs is stopped.
 */
export async function startChaosStack(chaos: ChaosEnv, log: (line: string) => void): Promise<ChaosStack> {
  if (process.cwd() !== ROOT) throw new Error(`run the chaos run from the repository root (${ROOT})`);
  process.env.METADATA_SERVER_DETECTION = "none";
  const tools = checkPrerequisites();
  const pixellab = await startFakePixelLab({ port: 0, backgroundJobDurationMs: 500 });
  const ports = await freePorts(pixellab.port);
  const env: NodeJS.ProcessEnv = {
    ...functionEnv(ports, { PATH: process.env.PATH, HOME: process.env.HOME }),
    JOB_TIMEOUT_MS: "10000",
    RETRY_BASE_DELAY_MS: "500",
    RETRY_MAX_DELAY_MS: "5000",
    EXPECTED_JOB_MS: "1000",
    SWEEP_STALE_MS: String(chaos.sweepStaleMs),
    LOG_LEVEL: "info",
  };
  const toolEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const services = new Map<string, ServiceProcess>();
  const logFiles: ChaosStack["logFiles"] = [];
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

  const startTasks = () =>
    startNodeTool(
      "cloud-tasks-emulator",
      "tests/tools/cloud-tasks-emulator/cli.ts",
      ["--port", `${ports.tasks}`, "--http-port", `${ports.tasksAdmin}`, "--queue", STACK_QUEUE],
      `http://127.0.0.1:${ports.tasksAdmin}/`,
      toolEnv,
    ).then(track);
  const startProcessJob = async () =>
    track(await startFunction("processJob", source("functions/process-job.ts"), ports.processJob, env));
  const signalPubsub = (signal: NodeJS.Signals) => {
    const pubsub = services.get("pubsub");
    if (pubsub !== undefined) process.kill(-pubsub.pid, signal);
  };
  const stop = async () => {
    signalPubsub("SIGCONT");
    await Promise.allSettled([clients.tasks?.close(), clients.firestore?.terminate()]);
    await Promise.allSettled([...services.values()].map((s) => s.stop()));
    await pixellab.stop();
    process.removeListener("exit", killAll);
    if (previousFirestore === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousFirestore;
  };

  try {
    await Promise.all([
      startFirestoreEmulator(tools, STACK_PROJECT, { port: ports.firestore }).then((s) => track(s.process)),
      startPubsubEmulator(tools, { port: ports.pubsub }).then((s) => track(s.process)),
      startAuthEmulator(STACK_PROJECT, { port: ports.auth }).then((s) => track(s.process)),
      startRedis(tools, ports.redis).then((s) => track(s.process)),
      startTasks(),
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
    track(await startFunction("api", source("functions/api.ts"), ports.api, env));
    await startProcessJob();
    track(await startFunction("sweep", source("functions/sweep.ts"), ports.sweep, env));
  } catch (error) {
    await stop();
    throw error;
  }

  const firestore = clients.firestore;
  return {
    ports,
    projectId: STACK_PROJECT,
    queueName: STACK_QUEUE,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    sweepUrl: `http://127.0.0.1:${ports.sweep}/`,
    authHost: `127.0.0.1:${ports.auth}`,
    firestore,
    tasks: clients.tasks,
    pixellab,
    logFiles,
    untilProcessing: (timeoutMs) => untilProcessing(firestore, timeoutMs),
    killProcessJob: () => services.get("processJob")?.killNow(),
    startProcessJob: async () => {
      await services.get("processJob")?.stop(1_000);
      await startProcessJob();
    },
    stopRedis: async () => services.get("redis")?.stop(),
    startRedis: async () => track((await startRedis(tools, ports.redis)).process),
    pausePubsub: () => signalPubsub("SIGSTOP"),
    resumePubsub: () => signalPubsub("SIGCONT"),
    restartTasksEmulator: async () => {
      const old = services.get("cloud-tasks-emulator");
      old?.killNow();
      await old?.stop(1_000);
      await startTasks();
      // Its admin port answers before its gRPC port is sure to: retry the queue settings briefly.
      await retry(() => prepareCloud(ports, env), 10, 500);
    },
    stop,
  };
}

async function untilProcessing(firestore: Firestore, timeoutMs: number): Promise<number> {
  const processing = firestore.collection("jobs").where("status", "==", "processing");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await processing
      .count()
      .get()
      .then((snap) => snap.data().count)
      .catch(() => 0);
    if (count > 0 || Date.now() >= deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function retry<T>(action: () => Promise<T>, times: number, pauseMs: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await action();
    } catch (error) {
      if (i >= times) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

async function freePorts(pixellab: number): Promise<StackPorts> {
  const names = ["firestore", "pubsub", "auth", "tasks", "tasksAdmin", "redis", "api", "processJob", "sweep"];
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
