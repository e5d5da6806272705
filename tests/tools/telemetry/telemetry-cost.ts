/**
 * `npm run bench:telemetry -- [--count N]`: what tracing costs a request. Starts the local stack's
 * parts on free ports (as `npm run bench` does) and an OTLP/HTTP receiver of its own, then runs N
 * submissions one at a time, each followed to completion, in four phases: SDK off, on, off, on
 * (api and processJob restarted between phases; "on" is the preload exporting OTLP/HTTP JSON to the
 * receiver, and "off" is `OTEL_SDK_DISABLED=true`, as `npm start` runs without a receiver).
 * Alternating evens out a machine that warms up or slows down. Prints p50/p95 of each figure and
 * the difference, then measures `flushTelemetry` alone in this process. Loopback only; it ends by
 * itself (exit 1 if the run could not complete, 2 for bad arguments). A benchmark, not a test.
 */
import { startTestStack, type TestStack } from "../stack/test-stack.ts";
import { signUpUsers } from "../chaos/users.ts";
import {
  addSamples,
  costTable,
  emptySamples,
  handlerTimings,
  spanCensus,
  type PhaseSamples,
} from "./cost-figures.ts";
import { measureFlush } from "./flush-cost.ts";
import { startOtlpSink, type OtlpSink } from "./otlp-sink.ts";

const USAGE = "Usage: npm run bench:telemetry -- [--count N]   (submissions per phase, default 60)";

function parseCount(argv: readonly string[]): number | "help" {
  if (argv.includes("--help")) return "help";
  if (argv.length === 0) return 60;
  const [flag, value] = argv[0]?.includes("=") ? (argv[0].split("=", 2) as [string, string]) : argv;
  const n = Number(value);
  if (flag !== "--count" || argv.length > 2 || !Number.isInteger(n) || n < 1 || n > 10_000)
    throw new RangeError(`bad arguments ${JSON.stringify(argv.join(" "))}\n${USAGE}`);
  return n;
}

/** Restarts api and processJob exporting to `endpoint`, or with the SDK off; returns their log files. */
async function restartFunctions(stack: TestStack, endpoint: string | undefined) {
  if (endpoint === undefined) delete stack.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  else stack.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  for (const target of ["api", "processJob"] as const) {
    await stack.service(target)?.stop();
    await stack.startFunction(target);
  }
  const latest = (name: string) => stack.logFiles.filter((f) => f.name === name).at(-1)?.file ?? "";
  return { api: latest("api"), processJob: latest("processJob") };
}

/** Waits for `jobs/{id}` to read `completed`; rejects after 30 s or on another terminal status. */
function completion(stack: TestStack, jobId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`job ${jobId} not completed in 30 s`)), 30_000);
    const stop = stack.firestore
      .collection("jobs")
      .doc(jobId)
      .onSnapshot((snap) => {
        const status: unknown = snap.get("status");
        if (status === "completed") finish();
        else if (status === "failed" || status === "cancelled") finish(new Error(`job ${jobId} ${status}`));
      }, finish);
    function finish(error?: Error) {
      clearTimeout(timer);
      stop();
      if (error === undefined) resolve();
      else reject(error);
    }
  });
}

/** `count` sequential submissions, each followed to completion; client-side times in ms. */
async function submitAll(stack: TestStack, token: string, label: string, count: number) {
  const samples = emptySamples();
  for (let i = 0; i < count; i++) {
    const body = {
      operation: "generate-image-pixflux",
      input: {
        description: `a costed knight ${label} ${i} ${Math.random()}`,
        image_size: { width: 32, height: 32 },
      },
    };
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    samples.submitMs.push(performance.now() - started);
    const answer = (await response.json()) as { jobId?: string };
    if (response.status !== 202 || answer.jobId === undefined)
      throw new Error(`submission answered ${response.status}: ${JSON.stringify(answer)}`);
    await completion(stack, answer.jobId);
    samples.endToEndMs.push(performance.now() - started);
  }
  return samples;
}

async function runPhases(stack: TestStack, sink: OtlpSink, count: number) {
  const [user] = await signUpUsers(stack.authHost, 1);
  if (user === undefined) throw new Error("Auth emulator: no account");
  const results = { off: emptySamples(), on: emptySamples() };
  let jobsTraced = 0;
  for (const [round, mode] of (["off", "on", "off", "on"] as const).entries()) {
    const logs = await restartFunctions(stack, mode === "on" ? sink.endpoint : undefined);
    await submitAll(stack, user.idToken, `warm-${round}`, 5); // a fresh instance's first requests
    const spansBefore = sink.spans.length;
    const measured: PhaseSamples = await submitAll(stack, user.idToken, `${mode}-${round}`, count);
    if (mode === "on") jobsTraced += count;
    // The warm-up's log lines are in the files too; keep the last `count` of each.
    const timings = handlerTimings(logs.api, logs.processJob);
    measured.apiHandlerMs = timings.apiHandlerMs.slice(-count);
    measured.deliveryOverheadMs = timings.deliveryOverheadMs.slice(-count);
    addSamples(results[mode], measured);
    console.log(
      `  phase ${round + 1}/4 (SDK ${mode}): ${count} jobs, ${sink.spans.length - spansBefore} spans received`,
    );
  }
  return { ...results, jobsTraced };
}

async function main(): Promise<number> {
  let count: number | "help";
  try {
    count = parseCount(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:telemetry: ${(error as Error).message}`);
    return 2;
  }
  if (count === "help") {
    console.log(USAGE);
    return 0;
  }
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
  const sink = await startOtlpSink();
  const stack = await startTestStack({ env: { LOG_LEVEL: "info" }, log: (line) => console.log(line) });
  try {
    console.log(`bench:telemetry: ${count} sequential submissions per phase, SDK off / on / off / on`);
    const { off, on, jobsTraced } = await runPhases(stack, sink, count);
    console.log(`\n${costTable(off, on)}`);
    console.log(`spans per measured job (warm-ups included): ${spanCensus(sink.spans, jobsTraced)}`);
  } finally {
    await stack.stop();
  }
  const flush = await measureFlush(sink.endpoint, 200);
  console.log(
    `flushTelemetry after a request's 6 spans, in-process to the loopback receiver: p50 ${flush.flushMs.p50} ms, ` +
      `p95 ${flush.flushMs.p95} ms, p99 ${flush.flushMs.p99} ms; ${flush.bounded}/${flush.flushMs.count} hit the bound`,
  );
  await sink.stop();
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench:telemetry: the run could not complete: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}
