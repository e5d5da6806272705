import { SpanKind } from "@opentelemetry/api";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../shared/logger.ts";
import { startTelemetry, type Telemetry } from "../../shared/telemetry/tracing-sdk.ts";
import { signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";
import { waitFor } from "../harness/wait-for.ts";
import { repeatedKeys } from "../tools/telemetry/log-keys.ts";

// The SDK as the preload starts it (W3C propagation, AsyncLocalStorage context, every span
// recorded, undici for `fetch`), but exporting to memory, registered for this test file's process.
const exported = new InMemorySpanExporter();
let telemetry: Telemetry;
let rig: QueueRig;
/** Every log line each function wrote, as written (before any JSON parsing hides a repeated key). */
const lines: Record<"api" | "processJob", string[]> = { api: [], processJob: [] };

beforeAll(async () => {
  telemetry = startTelemetry({
    serviceName: "tracing-test",
    spanProcessors: [new SimpleSpanProcessor({ exporter: exported })],
    detectGcp: false,
    instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true })],
  });
  rig = await startQueueRig();
  // The production logger (Cloud Logging fields, trace mixin) in place of the rigs' silent ones.
  const capture = (into: string[]) =>
    createLogger({
      level: "debug",
      projectId: rig.config.projectId,
      destination: { write: (l: string) => void into.push(l) },
    });
  rig.runtime.deps.logger = capture(lines.api);
  rig.processRuntime.deps.logger = capture(lines.processJob);
});

afterAll(async () => {
  await rig?.close();
  await telemetry?.shutdown();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe("one trace per job, across the task hop", () => {
  it("holds the submit, every attempt of a retried job and their PixelLab calls, each under its parent", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a traced knight [fake:fail-first=1]", { seed: 7 });
    const submitted = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    expect(submitted.status).toBe(202);
    const { jobId } = submitted.body as { jobId: string };
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job).toMatchObject({ status: "completed", attempts: 2 });

    // GET /v1/jobs/{id} names the trace; the spans of the job are all in it.
    const traceId = job.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const inTrace = () => exported.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const attempts = await waitFor(
      () => {
        const found = inTrace().filter((s) => s.name === "processJob attempt");
        return found.length === 2 ? found : undefined;
      },
      { description: "both attempt spans to end" },
    );
    const spans = inTrace();
    const submit = spans.find((s) => s.name === "POST /v1/jobs");
    expect(submit).toMatchObject({
      kind: SpanKind.SERVER,
      attributes: { "http.response.status_code": 202, "genqueue.job.id": jobId },
    });
    if (submit === undefined) return;

    // Each attempt continues the submit's context (parent, not link), whichever task carried it.
    const byAttempt = attempts.sort(
      (a, b) => Number(a.attributes["genqueue.job.attempt"]) - Number(b.attributes["genqueue.job.attempt"]),
    );
    expect(byAttempt.map((a) => [a.attributes["genqueue.job.attempt"], parentOf(a)])).toEqual([
      [1, idOf(submit)],
      [2, idOf(submit)],
    ]);
    expect(byAttempt.map((a) => a.attributes["genqueue.attempt.outcome"])).toEqual([
      "retry-scheduled",
      "completed",
    ]);

    // The first attempt's task was enqueued by the submit, the retry's by the failed attempt.
    const enqueues = spans.filter((s) => s.name === "enqueue task");
    expect(enqueues.map((s) => [s.attributes["genqueue.job.attempt"], parentOf(s)])).toEqual(
      expect.arrayContaining([
        [1, idOf(submit)],
        [2, idOf(byAttempt[0] as ReadableSpan)],
      ]),
    );
    expect(enqueues.every((s) => s.kind === SpanKind.PRODUCER)).toBe(true);

    // Each attempt's PixelLab call is an HTTP client span (undici) under that attempt: 500, then 200.
    const pixellab = spans.filter(
      (s) => s.kind === SpanKind.CLIENT && String(s.attributes["url.full"]).startsWith(rig.pixellab.v1Url),
    );
    const callsOf = (attempt: ReadableSpan) =>
      pixellab
        .filter((s) => parentOf(s) === idOf(attempt))
        .map((s) => s.attributes["http.response.status_code"]);
    expect(callsOf(byAttempt[0] as ReadableSpan)).toEqual([500]);
    expect(callsOf(byAttempt[1] as ReadableSpan)).toContain(200);
  });

  it("puts the job's trace on the log lines of both functions, and never repeats a key on a line", async () => {
    const user = await signUpUser();
    const body = pixfluxBody("a logged wizard [fake:fail-first=1]", { seed: 8 });
    const submitted = await call(rig.url, "POST", "/v1/jobs", { token: user.idToken, json: body });
    const { jobId } = submitted.body as { jobId: string };
    const job = await waitForJob(rig, user.idToken, jobId);
    const trace = `projects/${rig.config.projectId}/traces/${String(job.traceId)}`;
    await waitFor(
      () =>
        lines.processJob.filter((l) => l.includes(jobId) && l.includes('"delivery handled"')).length === 2,
      { description: "both deliveries' log lines" },
    );

    const records = (of: string[]) =>
      of.map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.jobId === jobId);
    const apiLines = records(lines.api);
    const handlerLines = records(lines.processJob);
    expect(apiLines.map((r) => r.message)).toContain("request handled");
    expect(handlerLines.map((r) => r.message)).toEqual(expect.arrayContaining(["delivery handled"]));
    for (const record of [...apiLines, ...handlerLines]) {
      expect(record).toMatchObject({
        "logging.googleapis.com/trace": trace,
        "logging.googleapis.com/spanId": expect.stringMatching(/^[0-9a-f]{16}$/),
        "logging.googleapis.com/trace_sampled": true,
      });
    }
    // Two deliveries, each with lines of the handler's and of processTask's child loggers.
    expect(handlerLines.length).toBeGreaterThanOrEqual(6);
    // Every line either function wrote in this file, those included.
    const repeats = [...lines.api, ...lines.processJob].filter((line) => repeatedKeys(line).length > 0);
    expect(repeats).toEqual([]);
  });
});
