/**
 * `npm run bench`: how fast the submission use-case admits jobs against the real Firestore emulator
 * and the Cloud Tasks emulator (queue paused, so nothing is dispatched), on the cache-miss, cache-hit
 * and dedup paths. Prints throughput, latency percentiles and memory; asserts nothing.
 *
 * The emulator is not production: ENVIRONMENT.md measured 1,500-1,800 single writes/s and 630-850
 * transactions/s warm on this machine, and the numbers below are bounded by it.
 */
import { pino } from "pino";
import { loadConfig } from "../../../shared/config.ts";
import { submitJob } from "../../../shared/submission/submit-job.ts";
import { createApiRuntime } from "../../../shared/wiring/api-deps.ts";
import { startCloudTasksEmulator } from "../cloud-tasks-emulator/emulator.ts";
import { startFirestoreEmulator, startPubsubEmulator } from "../../harness/emulators.ts";
import { pixfluxBody } from "../../harness/fixtures.ts";
import { checkPrerequisites } from "../../harness/prerequisites.ts";
import { CloudTasksClient } from "@google-cloud/tasks";
import { PubSub } from "@google-cloud/pubsub";

const PROJECT = "demo-bench";
const QUEUE = `projects/${PROJECT}/locations/us-central1/queues/generation`;
/** Submissions per scenario and how many run at once. */
const COUNT = Number(process.env.BENCH_COUNT ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

process.env.METADATA_SERVER_DETECTION = "none";
const tools = checkPrerequisites();
const [firestore, pubsub] = await Promise.all([
  startFirestoreEmulator(tools, PROJECT),
  startPubsubEmulator(tools),
]);
process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
const tasks = await startCloudTasksEmulator({ queues: [QUEUE], logger: pino({ level: "silent" }) });
const tasksClient = new CloudTasksClient(tasks.clientOptions(PROJECT));
await tasksClient.pauseQueue({ name: QUEUE });
await new PubSub({ projectId: PROJECT }).createTopic("generation-events");

const config = loadConfig({
  GOOGLE_CLOUD_PROJECT: PROJECT,
  TASKS_EMULATOR_HOST: `127.0.0.1:${tasks.grpcPort}`,
  TASK_HANDLER_URL: "http://127.0.0.1:9/tasks",
  QUEUE_CAPACITY: "100000",
  QUEUE_WARNING_THRESHOLD: "100000",
});
const runtime = createApiRuntime(config, {
  logger: pino({ level: "silent" }),
  auth: { verify: () => Promise.reject(new Error("unused")) },
});

async function run(name: string, makeCommand: (i: number) => Parameters<typeof submitJob>[1]) {
  const latencies: number[] = [];
  const kinds: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COUNT) {
        const i = next++;
        const t0 = performance.now();
        const outcome = await submitJob(runtime.deps, makeCommand(i));
        latencies.push(performance.now() - t0);
        kinds[outcome.kind] = (kinds[outcome.kind] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  console.log(
    `${name.padEnd(26)} ${(COUNT / seconds).toFixed(0).padStart(5)} submissions/s   p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  p99 ${p(0.99)} ms   ${JSON.stringify(kinds)}`,
  );
}

console.log(
  `${COUNT} submissions per scenario, ${CONCURRENCY} at once; Firestore emulator ${firestore.host}\n`,
);
// Warm the emulator first (a cold one is several times slower).
await run("warm-up (cache miss)", (i) => ({ userId: `warm-${i}`, body: pixfluxBody(`warm ${i}`) }));
await run("cache miss, new job", (i) => ({ userId: `user-${i % 50}`, body: pixfluxBody(`miss ${i}`) }));
await run("dedup (same user, same)", (i) => ({
  userId: `user-${i % 50}`,
  body: pixfluxBody(`miss ${i % 50}`),
}));
const cached = pixfluxBody("a cached sprite", { seed: 1 });
const { cacheKeyOf } = await import("../../harness/fixtures.ts");
await runtime.deps.cache.put(cacheKeyOf(cached), { images: [], usage: null }, "bench-seed", Date.now());
await run("cache hit", (i) => ({ userId: `hit-${i}`, body: cached }));
const mem = process.memoryUsage();
console.log(
  `\nmemory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
);

await runtime.close();
await tasksClient.close();
await tasks.stop();
await Promise.all([firestore.process.stop(), pubsub.process.stop()]);
process.exit(0);
