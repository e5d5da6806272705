import type { ServerResponse } from "node:http";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nextTask } from "../../shared/lifecycle/next-task.ts";
import { decodeJob, encodeJob } from "../../shared/store/job-document.ts";
import { toJobView } from "../../shared/submission/job-view.ts";
import { contextFromTraceparent, currentTraceparent, inSpan } from "../../shared/telemetry/spans.ts";
import { parseTraceparent, traceIdOf } from "../../shared/telemetry/trace-id.ts";
import { holdAnswer } from "../../shared/telemetry/tracing-request.ts";
import { startTelemetry, type Telemetry } from "../../shared/telemetry/tracing-sdk.ts";
import { testJob } from "../harness/seed-jobs.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

const exported = new InMemorySpanExporter();
let telemetry: Telemetry;
beforeAll(() => {
  telemetry = startTelemetry({
    serviceName: "unit",
    spanProcessors: [new SimpleSpanProcessor({ exporter: exported })],
    detectGcp: false,
    instrumentations: [],
  });
});
afterAll(() => telemetry.shutdown());
beforeEach(() => exported.reset());

describe("parseTraceparent", () => {
  it.each([
    { name: "sampled", value: TRACEPARENT, expected: { traceId: TRACE_ID, spanId: SPAN_ID, sampled: true } },
    {
      name: "not sampled, a later version",
      value: `01-${TRACE_ID}-${SPAN_ID}-00`,
      expected: { traceId: TRACE_ID, spanId: SPAN_ID, sampled: false },
    },
    { name: "version ff", value: `ff-${TRACE_ID}-${SPAN_ID}-01`, expected: undefined },
    { name: "all-zero trace id", value: `00-${"0".repeat(32)}-${SPAN_ID}-01`, expected: undefined },
    { name: "all-zero span id", value: `00-${TRACE_ID}-${"0".repeat(16)}-01`, expected: undefined },
    { name: "upper case", value: TRACEPARENT.toUpperCase(), expected: undefined },
    { name: "garbage", value: "nope", expected: undefined },
    { name: "null", value: null, expected: undefined },
  ])("$name", ({ value, expected }) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });
});

describe("a job's trace context", () => {
  it("is the active span when the job is made, and null without one", async () => {
    expect(testJob().traceparent).toBeNull();
    const { job, spanId } = await inSpan("POST /v1/jobs", {}, async (span) => ({
      job: testJob(),
      spanId: span.spanContext().spanId,
    }));
    expect(parseTraceparent(job.traceparent)).toMatchObject({ spanId, sampled: true });
  });

  it("survives Firestore (a document from before tracing reads as null) and shows as traceId", () => {
    const job = testJob({ traceparent: TRACEPARENT });
    expect(decodeJob(job.id, encodeJob(job)).traceparent).toBe(TRACEPARENT);
    const { traceparent: _dropped, ...older } = encodeJob(job);
    expect(decodeJob(job.id, older).traceparent).toBeNull();
    expect(toJobView(job).traceId).toBe(TRACE_ID);
    expect(toJobView({ ...job, traceparent: null }).traceId).toBeNull();
    expect(traceIdOf("not a traceparent")).toBeNull();
  });

  it.each([
    { name: "the first task", job: testJob({ traceparent: TRACEPARENT }) },
    { name: "a retry", job: testJob({ traceparent: TRACEPARENT, attempts: 1, nextAttemptAt: 5_000 }) },
    { name: "a replay's new run", job: testJob({ traceparent: TRACEPARENT, run: 2 }) },
  ])("rides on $name", ({ job }) => {
    expect(nextTask(job).traceparent).toBe(TRACEPARENT);
  });

  it("is left off a task of a job without one", () => {
    expect(nextTask(testJob())).not.toHaveProperty("traceparent");
  });

  it("is continued by a span started from it, as a remote parent", async () => {
    const parent = contextFromTraceparent(TRACEPARENT);
    expect(parent).toBeDefined();
    const inner = await inSpan("processJob attempt", {}, async () => currentTraceparent(), { parent });
    const [span] = exported.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext).toMatchObject({ spanId: SPAN_ID, isRemote: true });
    expect(inner).toBe(`00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
    expect(contextFromTraceparent("garbage")).toBeUndefined();
  });
});

describe("inSpan", () => {
  it("ends the span, and records a thrown error as its status before rethrowing it", async () => {
    await expect(
      inSpan("failing", { "genqueue.job.id": "j1" }, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const [span] = exported.getFinishedSpans();
    expect(span).toMatchObject({
      name: "failing",
      attributes: { "genqueue.job.id": "j1" },
      status: { code: SpanStatusCode.ERROR, message: "boom" },
    });
    expect(span?.events.map((e) => e.name)).toEqual(["exception"]);
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});

describe("holdAnswer", () => {
  it("ends the response only once `before` is done, with the first call's arguments, and ignores later calls", async () => {
    const ended: unknown[][] = [];
    const res = { end: (...args: unknown[]) => ended.push(args) } as unknown as ServerResponse;
    let release: () => void = () => undefined;
    const before = new Promise<void>((resolve) => (release = resolve));
    holdAnswer(res, () => before);
    res.end("first");
    res.end("second");
    await Promise.resolve();
    expect(ended).toEqual([]);
    release();
    await before;
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toEqual([["first"]]);
  });

  it("answers even when `before` fails", async () => {
    const ended: unknown[][] = [];
    const res = { end: (...args: unknown[]) => ended.push(args) } as unknown as ServerResponse;
    holdAnswer(res, () => Promise.reject(new Error("flush failed")));
    res.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toEqual([[]]);
  });
});
