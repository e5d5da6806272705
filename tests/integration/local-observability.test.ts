import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ROOT_CONTEXT, SpanKind, trace, type Context } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.ts";
import { waitFor } from "../harness/wait-for.ts";
import { sampleInput } from "../tools/pixellab-fake/sample-requests.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../tools/stack/otlp-receiver.ts";
import { DEFAULT_PORTS, type StackPorts } from "../tools/stack/ports.ts";
import { ALERT_RULES_FILE, findPrometheus, stackPrometheus } from "../tools/stack/prometheus.ts";
import { startStack, type RunningStack } from "../tools/stack/start-stack.ts";
import { parseSpanLines, type SpanRecord } from "../tools/trace/span-record.ts";

const run = promisify(execFile);
const TMP = path.resolve(".tmp");
const dirs: string[] = [];
/** A fresh folder under .tmp, removed after the file's tests. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(TMP, prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** `npm run trace -- <args>`: exit code and output, never throwing on a non-zero exit. */
async function traceCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["tests/tools/trace/cli.ts", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const spansIn = (file: string): SpanRecord[] =>
  existsSync(file) ? parseSpanLines(readFileSync(file, "utf8")).spans : [];

/** The exporter's `compression` setting (an enum of `otlp-exporter-base`, not a dependency of ours). */
type Compression = NonNullable<
  NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>["compression"]
>;

/** Exports a submit span (service `api`) with a child through the real OTLP/HTTP JSON exporter. */
async function exportJob(receiver: OtlpReceiver, jobId: string, compression: "none" | "gzip") {
  const exporter = new OTLPTraceExporter({
    url: `${receiver.url}/v1/traces`,
    compression: compression as Compression,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "api" }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer("genqueue");
  const submit = tracer.startSpan("POST /v1/jobs", {
    kind: SpanKind.SERVER,
    attributes: { "genqueue.job.id": jobId, "http.response.status_code": 202, ratio: 0.5, ok: true },
  });
  const inside: Context = trace.setSpan(ROOT_CONTEXT, submit);
  tracer
    .startSpan("enqueue task", { kind: SpanKind.PRODUCER, attributes: { "genqueue.job.id": jobId } }, inside)
    .end();
  submit.end();
  await provider.forceFlush();
  await provider.shutdown();
  return submit.spanContext();
}

describe("the stack's OTLP receiver", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver({ file: path.join(tempDir("otlp-"), "spans.jsonl") });
  });
  afterAll(() => receiver?.stop());

  it.each(["none", "gzip"] as const)(
    "stores what the real exporter sends (compression %s), one span a line",
    async (compression) => {
      const jobId = `job-${compression}`;
      const submit = await exportJob(receiver, jobId, compression);
      const mine = spansIn(receiver.file).filter((s) => s.traceId === submit.traceId);
      expect(mine.map((s) => [s.name, s.service, s.kind, s.parentSpanId])).toEqual([
        ["enqueue task", "api", 4, submit.spanId],
        ["POST /v1/jobs", "api", 2, undefined],
      ]);
      expect(mine[1]?.attributes).toEqual({
        "genqueue.job.id": jobId,
        "http.response.status_code": 202,
        ratio: 0.5,
        ok: true,
      });
      expect(BigInt(mine[1]!.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(mine[1]!.startTimeUnixNano));
    },
  );

  it.each([
    { name: "protobuf", path: "/v1/traces", type: "application/x-protobuf", body: "\x0a\x00", status: 415 },
    { name: "not JSON", path: "/v1/traces", type: "application/json", body: "{", status: 400 },
    {
      name: "not an export request",
      path: "/v1/traces",
      type: "application/json",
      body: '{"resourceSpans":7}',
      status: 400,
    },
    { name: "a bad trace id", path: "/v1/traces", type: "application/json", body: badTraceId(), status: 400 },
    {
      name: "an unknown encoding",
      path: "/v1/traces",
      type: "application/json",
      body: "{}",
      encoding: "br",
      status: 415,
    },
    {
      name: "metrics (dropped)",
      path: "/v1/metrics",
      type: "application/json",
      body: '{"resourceMetrics":[]}',
      status: 200,
    },
    { name: "logs (dropped)", path: "/v1/logs", type: "application/x-protobuf", body: "", status: 200 },
    { name: "another path", path: "/v2/traces", type: "application/json", body: "{}", status: 404 },
  ])("answers $status to $name and stores nothing", async ({ path: route, type, body, encoding, status }) => {
    const before = receiver.spansWritten();
    const headers = { "content-type": type, ...(encoding !== undefined && { "content-encoding": encoding }) };
    const response = await fetch(`${receiver.url}${route}`, { method: "POST", headers, body });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(receiver.spansWritten()).toBe(before);
  });

  it("takes a gzipped body by hand and refuses GET", async () => {
    const body = gzipSync(JSON.stringify({ resourceSpans: [] }));
    const posted = await fetch(`${receiver.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body,
    });
    expect([posted.status, await posted.json()]).toEqual([200, {}]);
    expect((await fetch(`${receiver.url}/v1/traces`)).status).toBe(405);
  });
});

function badTraceId(): string {
  const span = {
    traceId: "xyz",
    spanId: "00f067aa0ba902b7",
    name: "x",
    startTimeUnixNano: "1",
    endTimeUnixNano: "2",
  };
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
}

describe("npm run trace on a spans file", () => {
  const dir = tempDir("trace-cli-");
  const file = path.join(dir, "spans.jsonl");
  beforeAll(async () => {
    const receiver = await startOtlpReceiver({ file });
    await exportJob(receiver, "job-cli", "none");
    await receiver.stop();
  });

  it("prints the job's spans and phases", async () => {
    const { code, stdout } = await traceCli(["job-cli", "--file", file, "--no-firestore"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^job job-cli {2}trace [0-9a-f]{32}\n2 spans from api, /);
    expect(stdout).toMatch(
      /\n +\d+\.\d +\d+\.\d {2}POST \/v1\/jobs {2}\[api\] {2}→ 202\n +\d+\.\d +\d+\.\d {4}enqueue task {2}\[api\]\n/,
    );
    expect(stdout).toMatch(/\n +0\.0 +\d+\.\d {2}submit\n/);
  });

  it.each([
    {
      name: "an unknown job",
      args: ["job-x", "--file", file, "--no-firestore"],
      code: 1,
      message: `no span of job job-x in ${file}`,
    },
    {
      name: "a missing file",
      args: ["job-cli", "--file", path.join(dir, "none.jsonl")],
      code: 1,
      message: "no spans file at",
    },
    { name: "no job id", args: ["--file", file], code: 2, message: "which job?" },
    { name: "a bad flag", args: ["job-cli", "--since", "1h"], code: 2, message: 'unknown option "--since"' },
  ])("exits $code for $name", async ({ args, code, message }) => {
    const result = await traceCli(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it("skips a line that is not a span and says so", async () => {
    const mixed = path.join(dir, "mixed.jsonl");
    writeFileSync(mixed, `${readFileSync(file, "utf8")}{"truncated":\n`);
    const result = await traceCli(["job-cli", "--file", mixed, "--no-firestore"]);
    expect([result.code, result.stderr.trim()]).toEqual([
      0,
      `trace: skipped 1 line(s) of ${mixed} that are not spans`,
    ]);
  });
});

describe("finding Prometheus", () => {
  it("takes the first executable `prometheus` on PATH, and none when there is none", () => {
    const empty = tempDir("path-empty-");
    const bin = tempDir("path-bin-");
    writeFileSync(path.join(empty, "prometheus"), "not executable", { mode: 0o644 });
    writeFileSync(path.join(bin, "prometheus"), "#!/bin/sh\n", { mode: 0o755 });
    expect(findPrometheus({ PATH: `${empty}:${bin}` })).toBe(path.join(bin, "prometheus"));
    expect(findPrometheus({ PATH: empty })).toBeUndefined();
    // Without it the stack starts no Prometheus (and its ready table says how to add it).
    expect(stackPrometheus(DEFAULT_PORTS, { PATH: empty }, empty, "t")).toBeUndefined();
    expect(stackPrometheus(DEFAULT_PORTS, { PATH: bin }, "/s", "t")).toMatchObject({
      port: 9090,
      dir: "/s/prometheus-9090",
      targets: [
        { job: "api", address: "127.0.0.1:8081" },
        { job: "processJob", address: "127.0.0.1:8082" },
        { job: "sweep", address: "127.0.0.1:8083" },
      ],
    });
  });
});

describe("npm start's receiver and Prometheus", () => {
  let stack: RunningStack;
  const stateDir = tempDir("stack-observability-");

  beforeAll(async () => {
    const ports = { ...DEFAULT_PORTS };
    for (const name of Object.keys(ports) as (keyof StackPorts)[]) ports[name] = await freePort();
    stack = await startStack({ ports, stateDir });
  }, 120_000);
  afterAll(() => stack?.stop());

  it("traces a retried job into the spans file, and npm run trace shows both attempts", async () => {
    const signUp = await fetch(
      `http://127.0.0.1:${stack.ports.auth}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=local`,
      { method: "POST", headers: { "content-type": "application/json" }, body: '{"returnSecureToken":true}' },
    );
    const { idToken } = (await signUp.json()) as { idToken: string };
    const api = `http://127.0.0.1:${stack.ports.api}`;
    const auth = { authorization: `Bearer ${idToken}` };
    const submitted = await fetch(`${api}/v1/jobs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        operation: "generate-image-pixflux",
        input: sampleInput("generate-image-pixflux", { description: "a traced knight [fake:fail-first=1]" }),
      }),
    });
    expect(submitted.status).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    const job = await waitFor(
      async () => {
        const body = (await (await fetch(`${api}/v1/jobs/${jobId}`, { headers: auth })).json()) as {
          status: string;
          traceId?: string;
        };
        return body.status === "completed" && body;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `job ${jobId} to complete` },
    );
    // Each function flushes its spans before it answers: the second attempt's are in once it completed.
    const spans = await waitFor(() => {
      const mine = spansIn(stack.spansFile!).filter((s) => s.traceId === job.traceId);
      return mine.filter((s) => s.name === "processJob attempt").length === 2 && mine;
    });
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["api", "processJob"]));

    const { code, stdout } = await traceCli([jobId, "--file", stack.spansFile!, "--no-firestore"]);
    expect(code).toBe(0);
    const phases =
      stdout
        .trimEnd()
        .split(/\n\s+offset ms\s+duration ms\s+phase\n/)[1]
        ?.split("\n") ?? [];
    expect(
      phases.map((line) => line.replace(/^ +[\d.]+ +[\d.]+ {2}/, "")),
      stdout,
    ).toEqual([
      "submit",
      "queue wait",
      "attempt 1 (retry-scheduled)",
      "  ✗ PixelLab POST /v1/generate-image-pixflux → 500",
      "  recording the failure",
      "retry wait",
      "attempt 2 (completed)",
      "  PixelLab POST /v1/generate-image-pixflux → 200",
      "  storing",
    ]);
  });

  it("runs Prometheus, which scrapes the three functions' /metrics with the stack's token", async () => {
    expect(stack.prometheus, "Prometheus is not installed: apt-get install -y prometheus").toBe(true);
    const prometheus = `http://127.0.0.1:${stack.ports.prometheus}`;
    const up = await waitFor(
      async () => {
        const answer = await fetch(`${prometheus}/api/v1/query?query=up`);
        const body = (await answer.json()) as {
          data: { result: { metric: { job: string }; value: [number, string] }[] };
        };
        const jobs = body.data.result.filter((r) => r.value[1] === "1").map((r) => r.metric.job);
        return jobs.length === 3 && jobs.sort();
      },
      { timeoutMs: 30_000, intervalMs: 500, description: "up == 1 for api, processJob and sweep" },
    );
    expect(up).toEqual(["api", "processJob", "sweep"]);
    const rules = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as {
      data: { groups: unknown[] };
    };
    expect(rules.data.groups.length > 0).toBe(existsSync(ALERT_RULES_FILE));
    const metrics = await fetch(`http://127.0.0.1:${stack.ports.api}/metrics`, {
      headers: { authorization: `Bearer ${stack.metricsToken}` },
    });
    expect(metrics.status).toBe(200);
  });
});
