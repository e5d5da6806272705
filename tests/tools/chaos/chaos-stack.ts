import type { Firestore } from "@google-cloud/firestore";
import type { CloudTasksClient } from "@google-cloud/tasks";
import type { FakePixelLab } from "../pixellab-fake/server.ts";
import type { StackPorts } from "../stack/ports.ts";
import { signalGroup, startTestStack } from "../stack/test-stack.ts";

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

/**
 * Starts Firestore, Pub/Sub, Auth, Redis, the Cloud Tasks emulator, the offline PixelLab and the three
 * functions (`startTestStack`), with short timeouts and fast retries, and adds the fault injector's
 * handles. If anything fails to start, what already runs is stopped.
 */
export async function startChaosStack(chaos: ChaosEnv, log: (line: string) => void): Promise<ChaosStack> {
  const stack = await startTestStack({
    pixellab: { backgroundJobDurationMs: 500 },
    env: {
      JOB_TIMEOUT_MS: "10000",
      RETRY_BASE_DELAY_MS: "500",
      RETRY_MAX_DELAY_MS: "5000",
      EXPECTED_JOB_MS: "1000",
      SWEEP_STALE_MS: String(chaos.sweepStaleMs),
      LOG_LEVEL: "info",
    },
    log,
  });
  const signalPubsub = (signal: NodeJS.Signals) => {
    const pubsub = stack.service("pubsub");
    if (pubsub !== undefined) signalGroup(pubsub.pid, signal);
  };
  return {
    ports: stack.ports,
    projectId: stack.projectId,
    queueName: stack.queueName,
    apiUrl: stack.apiUrl,
    sweepUrl: stack.sweepUrl,
    authHost: stack.authHost,
    firestore: stack.firestore,
    tasks: stack.tasks,
    pixellab: stack.pixellab,
    logFiles: stack.logFiles,
    untilProcessing: (timeoutMs) => untilProcessing(stack.firestore, timeoutMs),
    killProcessJob: () => stack.service("processJob")?.killNow(),
    startProcessJob: async () => {
      await stack.service("processJob")?.stop(1_000);
      await stack.startFunction("processJob");
    },
    stopRedis: async () => stack.service("redis")?.stop(),
    startRedis: stack.startRedis,
    pausePubsub: () => signalPubsub("SIGSTOP"),
    resumePubsub: () => signalPubsub("SIGCONT"),
    restartTasksEmulator: async () => {
      const old = stack.service("cloud-tasks-emulator");
      old?.killNow();
      await old?.stop(1_000);
      await stack.startTasksEmulator();
      // Its admin port answers before its gRPC port is sure to: retry the queue settings briefly.
      await retry(() => stack.prepareCloud(), 10, 500);
    },
    stop: stack.stop,
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
