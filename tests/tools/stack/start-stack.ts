import { rmSync } from "node:fs";
import path from "node:path";
import { PubSub } from "@google-cloud/pubsub";
import { CloudTasksClient } from "@google-cloud/tasks";
import { credentials } from "@grpc/grpc-js";
import type { PreviewServer } from "vite";
import { loadConfig } from "../../../shared/config.ts";
import { queueResource, queueSettings, webhookQueueSettings } from "../../../shared/queue-settings.ts";
import {
  startAuthEmulator,
  startFirestoreEmulator,
  startPubsubEmulator,
  startRedis,
} from "../../harness/emulators.ts";
import { checkPrerequisites } from "../../harness/prerequisites.ts";
import { ServiceScope, type ServiceProcess } from "../../harness/service-process.ts";
import { startFunction, startNodeTool } from "./function-process.ts";
import { startOtlpReceiver, type OtlpReceiver } from "./otlp-receiver.ts";
import { DEFAULT_PORTS, takenPorts, type StackPorts } from "./ports.ts";
import { PROMETHEUS_MISSING_NOTE, stackPrometheus, startPrometheus } from "./prometheus.ts";
import {
  functionEnv,
  SPANS_FILE_NAME,
  STACK_PROJECT,
  STACK_QUEUE,
  STACK_BATCH_QUEUE,
  STACK_WEBHOOK_QUEUE,
  STACK_STATE_DIR,
  webConfig,
} from "./stack-env.ts";
import { startWebServer } from "./web-server.ts";

export interface StackOptions {
  ports?: StackPorts;
  /** How often the sweeper runs, in ms. @defaultValue 60_000 (as Cloud Scheduler every minute) */
  sweepEveryMs?: number;
  /** Progress lines (which service is up). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Where the spans file (`spans.jsonl`) and Prometheus' folder go; `npm run trace` reads the
   * default one. @defaultValue `.tmp/stack`
   */
  stateDir?: string;
}

export interface RunningStack {
  ports: StackPorts;
  urls: Record<string, string>;
  /** Whether PixelLab is the real API (PIXELLAB_API_KEY set) or the offline server. */
  realPixelLab: boolean;
  startupMs: number;
  /** The spans file the OTLP receiver appends to; undefined without `ports.otlp`. */
  spansFile: string | undefined;
  /** Whether Prometheus runs (it needs `ports.prometheus` and the `prometheus` binary). */
  prometheus: boolean;
  /** The bearer token the functions' `/metrics` accept. */
  metricsToken: string;
  /** One-line remarks for the ready table (what was left out, and why). */
  notes: string[];
  stop(): Promise<void>;
}

/**
 * Starts the whole queue on this machine: Google's emulators, the Cloud Tasks emulator with the
 * production queue settings, PixelLab (offline or real), the three functions, the sweeper on a
 * timer and the web client. Anything that fails to start stops what already runs.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const started = performance.now();
  // This process talks to the emulators itself (queue settings, topic): loopback only.
  process.env.METADATA_SERVER_DETECTION = "none";
  const ports = options.ports ?? DEFAULT_PORTS;
  const outer = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const busy = await takenPorts(ports);
  if (busy.length > 0)
    throw new Error(`ports in use: ${busy.join(", ")} (stop what uses them, or the other stack)`);
  const tools = checkPrerequisites();
  const env = functionEnv(ports, outer);
  loadConfig(env); // the functions' configuration, validated before anything starts
  const stateDir = path.resolve(options.stateDir ?? STACK_STATE_DIR);
  const prometheus = stackPrometheus(ports, outer, stateDir, env.METRICS_TOKEN ?? "");
  const spansFile = ports.otlp === undefined ? undefined : path.join(stateDir, SPANS_FILE_NAME);
  // Every process joins the scope when spawned, so a stop (a failure, or Ctrl-C) mid-start reaches
  // the ones still coming up too, not only those already answering.
  const services = new ServiceScope();
  let web: PreviewServer | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let receiver: OtlpReceiver | undefined;
  // Prometheus' folder goes with the stack, also when a signal ends the process mid-start.
  const removePrometheusDir = () => {
    if (prometheus !== undefined) rmSync(prometheus.dir, { recursive: true, force: true });
  };
  process.on("exit", removePrometheusDir);
  const stop = async () => {
    clearInterval(sweeper);
    await Promise.all([web?.close(), services.stop()]);
    await receiver?.stop(); // after the functions: what they flush on the way out still lands
    removePrometheusDir();
    process.removeListener("exit", removePrometheusDir);
  };
  const track = (s: { process: ServiceProcess } | ServiceProcess) =>
    log(`  up: ${("process" in s ? s.process : s).name}`);
  try {
    await services.run(async () => {
      await Promise.all([
        startFirestoreEmulator(tools, STACK_PROJECT, {
          port: ports.firestore,
          rulesFile: path.resolve("firestore.rules"),
        }).then(track),
        startPubsubEmulator(tools, { port: ports.pubsub }).then(track),
        startAuthEmulator(STACK_PROJECT, { port: ports.auth }).then(track),
        startRedis(tools, ports.redis).then(track),
        startTools(ports, env, outer).then((list) => list.forEach(track)),
        prometheus === undefined ? undefined : startPrometheus(prometheus).then(track),
      ]);
      await prepareCloud(ports, env);
      if (ports.otlp !== undefined && spansFile !== undefined) {
        receiver = await startOtlpReceiver({ port: ports.otlp, file: spansFile });
        log("  up: otlp-receiver");
      }
      for (const [target, source, port] of [
        ["api", "functions/api.ts", ports.api],
        ["processJob", "functions/process-job.ts", ports.processJob],
        ["sweep", "functions/sweep.ts", ports.sweep],
      ] as const) {
        track(await startFunction(target, source, port, env));
      }
    });
    sweeper = startSweeper(ports, options.sweepEveryMs ?? 60_000, log);
    web = await startWebServer(ports.web, webConfig(ports));
    log("  up: web");
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    urls: { ...stackUrls(ports), ...observabilityUrls(ports, spansFile, prometheus !== undefined) },
    realPixelLab: env.PIXELLAB_BASE_URL?.startsWith("http://127.0.0.1") === false,
    startupMs: Math.round(performance.now() - started),
    spansFile,
    prometheus: prometheus !== undefined,
    metricsToken: env.METRICS_TOKEN ?? "",
    notes: ports.prometheus !== undefined && prometheus === undefined ? [PROMETHEUS_MISSING_NOTE] : [],
    stop,
  };
}

/** The Cloud Tasks emulator and, unless the real API is configured, the offline PixelLab server. */
async function startTools(ports: StackPorts, env: NodeJS.ProcessEnv, outer: NodeJS.ProcessEnv) {
  const tasks = startNodeTool(
    "cloud-tasks-emulator",
    "tests/tools/cloud-tasks-emulator/cli.ts",
    [
      ...["--port", String(ports.tasks), "--http-port", String(ports.tasksAdmin)],
      ...["--queue", STACK_QUEUE, "--queue", STACK_BATCH_QUEUE, "--queue", STACK_WEBHOOK_QUEUE],
    ],
    `http://127.0.0.1:${ports.tasksAdmin}/`,
    outer,
  );
  if (!env.PIXELLAB_BASE_URL?.startsWith("http://127.0.0.1")) return [await tasks];
  const pixellab = startNodeTool(
    "pixellab-fake",
    "tests/tools/pixellab-fake/cli.ts",
    ["--port", String(ports.pixellab)],
    `http://127.0.0.1:${ports.pixellab}/__fake/stats`,
    outer,
  );
  return Promise.all([tasks, pixellab]);
}

/** Gives the queue production's settings and creates the events topic (also after an emulator restart). */
export async function prepareCloud(ports: StackPorts, env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  const tasks = new CloudTasksClient({
    servicePath: "127.0.0.1",
    port: ports.tasks,
    sslCreds: credentials.createInsecure(),
    projectId: STACK_PROJECT,
  });
  await tasks.updateQueue({ queue: queueResource(STACK_QUEUE, queueSettings(config)) });
  await tasks.updateQueue({ queue: queueResource(STACK_BATCH_QUEUE, queueSettings(config, "batch")) });
  await tasks.updateQueue({ queue: queueResource(STACK_WEBHOOK_QUEUE, webhookQueueSettings(config)) });
  await tasks.close();
  const previous = process.env.PUBSUB_EMULATOR_HOST;
  process.env.PUBSUB_EMULATOR_HOST = env.PUBSUB_EMULATOR_HOST;
  const pubsub = new PubSub({ projectId: STACK_PROJECT });
  const [exists] = await pubsub.topic(config.eventsTopic).exists();
  if (!exists) await pubsub.createTopic(config.eventsTopic);
  await pubsub.close();
  process.env.PUBSUB_EMULATOR_HOST = previous;
}

/** Calls the sweep target on a timer, as Cloud Scheduler does in production. */
function startSweeper(ports: StackPorts, everyMs: number, log: (line: string) => void): NodeJS.Timeout {
  const timer = setInterval(() => {
    fetch(`http://127.0.0.1:${ports.sweep}/`, { method: "POST" }).catch((error: unknown) =>
      log(`  sweep failed: ${(error as Error).message}`),
    );
  }, everyMs);
  timer.unref();
  return timer;
}

/** The receiver and Prometheus lines of the ready table, for the parts that run. */
function observabilityUrls(ports: StackPorts, spansFile: string | undefined, prometheus: boolean) {
  const urls: Record<string, string> = {};
  if (spansFile !== undefined)
    urls["OTLP receiver (spans)"] =
      `http://127.0.0.1:${ports.otlp}/v1/traces → ${path.relative(process.cwd(), spansFile)}`;
  if (prometheus)
    urls["Prometheus"] = `http://127.0.0.1:${ports.prometheus}/ (scrapes every /metrics every 5 s)`;
  return urls;
}

export function stackUrls(ports: StackPorts): Record<string, string> {
  return {
    "web client": `http://127.0.0.1:${ports.web}/`,
    "api function": `http://127.0.0.1:${ports.api}/`,
    "processJob function": `http://127.0.0.1:${ports.processJob}/`,
    "sweep function": `http://127.0.0.1:${ports.sweep}/ (every minute)`,
    "Firestore emulator": `127.0.0.1:${ports.firestore}`,
    "Pub/Sub emulator": `127.0.0.1:${ports.pubsub}`,
    "Auth emulator": `http://127.0.0.1:${ports.auth}/`,
    "Cloud Tasks emulator": `127.0.0.1:${ports.tasks} (gRPC), http://127.0.0.1:${ports.tasksAdmin}/ (OIDC)`,
    "PixelLab (offline)": `http://127.0.0.1:${ports.pixellab}/v1`,
    "Redis (L1 cache)": `127.0.0.1:${ports.redis}`,
  };
}
