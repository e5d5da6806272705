/**
 * `node tests/tools/bench/request-memory.ts`: what one large request costs an `api` instance in
 * memory. The Functions Framework reads and parses every body (up to 1 GiB, inflating compressed
 * ones) before our handler runs and refuses it; Google's front end lets through at most 32 MiB on
 * the wire. Each case runs in a fresh child process serving the real `api` handler through the
 * Functions Framework (NODE_ENV=production, as deployed) and sends one such request. Prints the
 * child's peak RSS growth during the request and what stays after a GC; asserts nothing.
 *
 * Peak RSS is sampled every millisecond by a worker thread, so it is seen even while the main thread
 * is stuck in JSON.parse. Needs no emulator: an oversized body is refused before anything is called.
 */
import { fork, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { gzipSync } from "node:zlib";
import { z } from "zod";

/** The front end's cap on an HTTP/1 request body, in bytes. */
const WIRE_CAP = 32 * 1024 * 1024;
const MIB = 2 ** 20;

/** Pads `head + filler* + tail` to exactly `bytes`. */
function padded(head: string, filler: string, tail: string, bytes: number): Buffer {
  const count = Math.floor((bytes - head.length - tail.length) / filler.length);
  const body = head + filler.repeat(count) + tail;
  return Buffer.from(body + " ".repeat(bytes - body.length)); // JSON allows trailing whitespace
}

interface Case {
  name: string;
  headers: Record<string, string>;
  body: () => Buffer;
  /** Identical requests sent at once. @defaultValue 1 */
  parallel?: number;
}

const CASES: Case[] = [
  {
    name: "JSON, one 32 MiB string",
    headers: { "content-type": "application/json" },
    body: () =>
      padded('{"operation":"generate-image-pixflux","input":{"description":"', "x", '"}}', WIRE_CAP),
  },
  {
    name: "4 × JSON string, at once",
    headers: { "content-type": "application/json" },
    body: () =>
      padded('{"operation":"generate-image-pixflux","input":{"description":"', "x", '"}}', WIRE_CAP),
    parallel: 4,
  },
  {
    name: "JSON, 16 M numbers [0,0,…]",
    headers: { "content-type": "application/json" },
    body: () => padded("[0", ",0", "]", WIRE_CAP),
  },
  {
    name: "JSON, 11 M empty objects",
    headers: { "content-type": "application/json" },
    body: () => padded("[{}", ",{}", "]", WIRE_CAP),
  },
  {
    name: "octet-stream, 32 MiB",
    headers: { "content-type": "application/octet-stream" },
    body: () => Buffer.alloc(WIRE_CAP, 120),
  },
  {
    name: "gzip JSON, inflates to 256 MiB",
    headers: { "content-type": "application/json", "content-encoding": "gzip" },
    body: () => gzipSync(padded('{"input":{"description":"', "x", '"}}', 256 * MIB)),
  },
];

const Report = z.object({
  rss: z.number(),
  peakRss: z.number(),
  heapUsed: z.number(),
  external: z.number(),
});
type Report = z.infer<typeof Report>;

// ---- child: serves the real handler and answers "measure" / "reset" over IPC ----

async function serve(): Promise<void> {
  const functions = await import("@google-cloud/functions-framework");
  const { getTestServer } = await import("@google-cloud/functions-framework/testing");
  const { pino } = await import("pino");
  const { createApiHandler } = await import("../../../functions/api.ts");
  const { loadConfig } = await import("../../../shared/config.ts");
  const { createApiRuntime } = await import("../../../shared/wiring/api-deps.ts");

  const runtime = createApiRuntime(
    loadConfig({
      GOOGLE_CLOUD_PROJECT: "demo-bench",
      TASKS_EMULATOR_HOST: "127.0.0.1:9",
      LOG_LEVEL: "error",
    }),
    {
      logger: pino({ level: "silent" }),
      auth: { verify: () => Promise.reject(new Error("oversized bodies are refused before authentication")) },
    },
  );
  functions.http("apiMemoryBench", createApiHandler(runtime));
  const server = getTestServer("apiMemoryBench");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const peak = new BigInt64Array(new SharedArrayBuffer(8));
  const sampler = new Worker(
    `const { workerData } = require("node:worker_threads");
     const peak = new BigInt64Array(workerData);
     setInterval(() => {
       const rss = BigInt(process.memoryUsage.rss());
       if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss);
     }, 1);`,
    { eval: true, workerData: peak.buffer },
  );
  const measure = (): Report => {
    const m = process.memoryUsage();
    return { rss: m.rss, peakRss: Number(Atomics.load(peak, 0)), heapUsed: m.heapUsed, external: m.external };
  };
  process.on("message", (message) => {
    if (message === "reset") {
      globalThis.gc?.();
      Atomics.store(peak, 0, BigInt(process.memoryUsage.rss()));
    }
    if (message === "gc") globalThis.gc?.();
    if (message === "reset" || message === "gc" || message === "measure") process.send?.(measure());
    if (message === "stop") void sampler.terminate().then(() => process.exit(0));
  });
  process.send?.({ port: (server.address() as AddressInfo).port });
}

// ---- parent: one child per case ----

/** Production's Express mode; every Google client at a closed port, so a stray call fails locally. */
const CHILD_ENV = {
  ...process.env,
  NODE_ENV: "production",
  FIRESTORE_EMULATOR_HOST: "127.0.0.1:9",
  PUBSUB_EMULATOR_HOST: "127.0.0.1:9",
  FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9",
  METADATA_SERVER_DETECTION: "none",
};

function send(port: number, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/v1/jobs", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function ask(child: ChildProcess, message: string): Promise<Report> {
  return new Promise((resolve) => {
    child.once("message", (reply) => resolve(Report.parse(reply)));
    child.send(message);
  });
}

async function runCase(c: Case): Promise<string> {
  const body = c.body();
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: ["--expose-gc"],
    env: CHILD_ENV,
  });
  const { port } = z.object({ port: z.number() }).parse(await new Promise((r) => child.once("message", r)));
  // Warm up Express, the parsers and the handler's 413 path with a small oversized body.
  await send(
    port,
    { "content-type": "application/json" },
    Buffer.from(JSON.stringify({ x: "y".repeat(3 * MIB) })),
  );
  const before = await ask(child, "reset");
  const started = performance.now();
  const headers = { ...c.headers, "content-length": String(body.length) };
  const statuses = await Promise.all(
    Array.from({ length: c.parallel ?? 1 }, () => send(port, headers, body)),
  );
  const ms = performance.now() - started;
  const after = await ask(child, "measure");
  const settled = await ask(child, "gc");
  child.send("stop");
  const mib = (bytes: number) => (bytes / MIB).toFixed(0).padStart(5);
  const wire = body.length < MIB ? `${(body.length / 1024).toFixed(0)} KiB` : `${mib(body.length)} MiB`;
  return (
    `${c.name.padEnd(32)} ${wire.padStart(9)} each → ${[...new Set(statuses)].join("/")}  peak RSS +${mib(after.peakRss - before.rss)} MiB` +
    `  heap +${mib(after.heapUsed - before.heapUsed)} MiB  after GC +${mib(settled.rss - before.rss)} MiB` +
    `  (base RSS ${mib(before.rss)} MiB, ${ms.toFixed(0)} ms)`
  );
}

if (process.argv.includes("--serve")) {
  await serve();
} else {
  console.log(`Each case in a fresh instance (Node ${process.version}); growth is over the idle instance.\n`);
  for (const c of CASES) console.log(await runCase(c));
}
