import { describe, expect, it } from "vitest";
import type { SpanRecord } from "../tools/trace/span-record.ts";
import { buildTimeline, jobTraceIds, type Phase } from "../tools/trace/timeline.ts";
import { formatTimeline } from "../tools/trace/timeline-format.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c";
const JOB = "job-1";
/** 2026-12-01T00:00:00.000Z in ns: every hand-made span is placed in ms after it. */
const BASE_NS = 1_796_083_200_000n * 1_000_000n;

interface Made {
  id: string;
  parent?: string;
  name: string;
  service?: string;
  kind?: number;
  /** ms after BASE_NS */
  start: number;
  end: number;
  attributes?: SpanRecord["attributes"];
  error?: string;
  trace?: string;
}

/** A span of `TRACE` from a short description; ids are padded to 16 hex digits. */
function span(m: Made): SpanRecord {
  const id = (s: string) => s.padStart(16, "0");
  const at = (ms: number) => (BASE_NS + BigInt(Math.round(ms * 1e6))).toString();
  return {
    traceId: m.trace ?? TRACE,
    spanId: id(m.id),
    ...(m.parent !== undefined && { parentSpanId: id(m.parent) }),
    name: m.name,
    kind: m.kind ?? 1,
    service: m.service ?? "processJob",
    startTimeUnixNano: at(m.start),
    endTimeUnixNano: at(m.end),
    attributes: m.attributes ?? {},
    status: m.error === undefined ? { code: 0 } : { code: 2, message: m.error },
    links: [],
  };
}

const PIXFLUX = "http://127.0.0.1:8790/v1/generate-image-pixflux";
const submit = span({
  id: "a1",
  name: "POST /v1/jobs",
  service: "api",
  kind: 2,
  start: 0,
  end: 20,
  attributes: { "genqueue.job.id": JOB },
});
// Names the attempt it schedules, but is not one.
const enqueue = span({
  id: "a2",
  parent: "a1",
  name: "enqueue task",
  service: "api",
  kind: 4,
  start: 5,
  end: 15,
  attributes: { "genqueue.job.id": JOB, "genqueue.job.attempt": 1 },
});
const call = (id: string, parent: string, start: number, end: number, status: number, url = PIXFLUX) =>
  span({
    id,
    parent,
    name: "POST",
    kind: 3,
    start,
    end,
    attributes: {
      "http.request.method": "POST",
      "url.full": `${url}?key=secret`,
      "http.response.status_code": status,
    },
  });
const attempt = (id: string, number: number, start: number, end: number, error?: string) =>
  span({
    id,
    parent: "a1",
    name: "processJob attempt",
    kind: 5,
    start,
    end,
    attributes: { "genqueue.job.id": JOB, "genqueue.job.attempt": number },
    ...(error !== undefined && { error }),
  });

const phase = (
  label: string,
  offsetMs: number,
  durationMs: number,
  depth: 0 | 1 = 0,
  failed = false,
): Phase => ({
  depth,
  label,
  offsetMs,
  durationMs,
  failed,
});

describe("buildTimeline phases", () => {
  it.each([
    {
      name: "one attempt: queue wait from its task's creation, the PixelLab call, the storing after it",
      spans: [submit, enqueue, attempt("b1", 1, 100, 900), call("c1", "b1", 120, 700, 200)],
      phases: [
        phase("submit", 0, 20),
        phase("queue wait", 15, 85),
        phase("attempt 1", 100, 800),
        phase("PixelLab POST /v1/generate-image-pixflux → 200", 120, 580, 1),
        phase("storing", 700, 200, 1),
      ],
    },
    {
      name: "a retried job: the failed call is followed by recording the failure, then a retry wait",
      spans: [
        submit,
        { ...attempt("b1", 1, 100, 300), attributes: { "genqueue.attempt.outcome": "retry-scheduled" } },
        call("c1", "b1", 110, 290, 503),
        attempt("b2", 2, 2_300, 2_900),
        call("c2", "b2", 2_310, 2_800, 200),
      ],
      phases: [
        phase("submit", 0, 20),
        phase("queue wait", 20, 80),
        phase("attempt 1 (retry-scheduled)", 100, 200),
        phase("PixelLab POST /v1/generate-image-pixflux → 503", 110, 180, 1, true),
        phase("recording the failure", 290, 10, 1),
        phase("retry wait", 300, 2_000),
        phase("attempt 2", 2_300, 600),
        phase("PixelLab POST /v1/generate-image-pixflux → 200", 2_310, 490, 1),
        phase("storing", 2_800, 100, 1),
      ],
    },
    {
      name: "a background job: every call in order, storing from the span that says so",
      spans: [
        submit,
        attempt("b1", 1, 50, 1_000),
        call("c2", "b1", 400, 500, 200, "http://127.0.0.1:8790/v1/background-jobs/bg1"),
        call("c1", "b1", 60, 300, 202, "http://127.0.0.1:8790/v1/animate-with-text"),
        // A credentials refresh inside the attempt is not a PixelLab call.
        call("g1", "b1", 310, 320, 200, "https://oauth2.googleapis.com/token"),
        span({ id: "d1", parent: "b1", name: "store result", start: 520, end: 990 }),
      ],
      phases: [
        phase("submit", 0, 20),
        phase("queue wait", 20, 30),
        phase("attempt 1", 50, 950),
        phase("PixelLab POST /v1/animate-with-text → 202", 60, 240, 1),
        phase("PixelLab POST /v1/background-jobs/bg1 → 200", 400, 100, 1),
        phase("storing", 520, 470, 1),
      ],
    },
    {
      name: "a failed attempt with no PixelLab call: nothing inside it",
      spans: [submit, attempt("b1", 1, 30, 40, "job document missing")],
      phases: [phase("submit", 0, 20), phase("queue wait", 20, 10), phase("attempt 1", 30, 10, 0, true)],
    },
    {
      name: "attempts told apart by their service when no span is marked, numbered in order",
      spans: [
        submit,
        span({ id: "b1", parent: "a1", name: "POST /", kind: 2, start: 30, end: 60 }),
        span({ id: "b2", parent: "a1", name: "POST /", kind: 2, start: 90, end: 95 }),
        span({ id: "b3", parent: "b2", name: "inner", start: 91, end: 94 }),
      ],
      phases: [
        phase("submit", 0, 20),
        phase("queue wait", 20, 10),
        phase("attempt 1", 30, 30),
        phase("retry wait", 60, 30),
        phase("attempt 2", 90, 5),
      ],
    },
    {
      name: "the submit's span not exported yet: no queue wait, the attempt alone",
      spans: [attempt("b1", 1, 100, 900), call("c1", "b1", 120, 700, 200)],
      phases: [
        phase("attempt 1", 0, 800),
        phase("PixelLab POST /v1/generate-image-pixflux → 200", 20, 580, 1),
        phase("storing", 600, 200, 1),
      ],
    },
    {
      name: "still queued: the submit alone",
      spans: [submit, enqueue],
      phases: [phase("submit", 0, 20)],
    },
  ])("$name", ({ spans, phases }) => {
    expect(buildTimeline(spans, TRACE, JOB).phases).toEqual(phases);
  });
});

describe("buildTimeline rows", () => {
  it("orders spans by parentage then start, indents children, and leaves other traces out", () => {
    const stranger = span({ id: "f1", name: "other job", start: 1, end: 2, trace: OTHER_TRACE });
    const spans = [
      call("c1", "b1", 120, 700, 200),
      attempt("b1", 1, 100, 900, "boom"),
      enqueue,
      stranger,
      submit,
    ];
    const timeline = buildTimeline([...spans, submit], TRACE, JOB);
    expect(
      timeline.rows.map((r) => [r.depth, r.name, r.service, r.offsetMs, r.durationMs, r.failed]),
    ).toEqual([
      [0, "POST /v1/jobs", "api", 0, 20, false],
      [1, "enqueue task", "api", 5, 10, false],
      [1, "processJob attempt", "processJob", 100, 800, true],
      [2, "POST", "processJob", 120, 580, false],
    ]);
    expect(timeline.rows.map((r) => r.detail)).toEqual([
      "",
      "",
      "ERROR: boom",
      "POST http://127.0.0.1:8790/v1/generate-image-pixflux → 200",
    ]);
    expect(timeline).toMatchObject({
      totalMs: 900,
      services: ["api", "processJob"],
      startUnixMs: 1_796_083_200_000,
    });
  });

  it("shows a span whose parent was never exported as a root", () => {
    const orphan = span({ id: "e1", parent: "ffff", name: "late", start: 40, end: 41 });
    const rows = buildTimeline([submit, orphan], TRACE, JOB).rows;
    expect(rows.map((r) => [r.depth, r.name])).toEqual([
      [0, "POST /v1/jobs"],
      [0, "late"],
    ]);
  });

  it("refuses a trace with no span", () => {
    expect(() => buildTimeline([submit], OTHER_TRACE, JOB)).toThrow(`no span of trace ${OTHER_TRACE}`);
  });
});

describe("jobTraceIds", () => {
  const later = span({
    id: "f1",
    name: "POST /v1/jobs",
    service: "api",
    start: 5_000,
    end: 5_010,
    attributes: { "genqueue.job.id": JOB },
    trace: OTHER_TRACE,
  });
  const otherJob = span({
    id: "f2",
    name: "x",
    start: 0,
    end: 1,
    attributes: { "genqueue.job.id": "job-2" },
  });
  it.each([
    {
      name: "the job's traces, earliest first",
      spans: [later, attempt("b1", 1, 10, 20), submit],
      expected: [TRACE, OTHER_TRACE],
    },
    {
      name: "spans of another job do not count",
      spans: [otherJob, call("c1", "b1", 1, 2, 200)],
      expected: [],
    },
    { name: "no spans", spans: [], expected: [] },
  ])("$name", ({ spans, expected }) => {
    expect(jobTraceIds(spans, JOB)).toEqual(expected);
  });
});

describe("formatTimeline", () => {
  it("prints spans by parentage and the phases, offsets and durations in ms", () => {
    const timeline = buildTimeline(
      [submit, attempt("b1", 1, 100, 900), call("c1", "b1", 120, 700, 200)],
      TRACE,
      JOB,
    );
    expect(formatTimeline(timeline, [OTHER_TRACE]).split("\n")).toEqual([
      `job job-1  trace ${TRACE}`,
      "3 spans from api, processJob, 900.0 ms, started 2026-12-01T00:00:00.000Z",
      "",
      "   offset ms duration ms  span",
      "         0.0        20.0  POST /v1/jobs  [api]",
      "       100.0       800.0    processJob attempt  [processJob]",
      "       120.0       580.0      POST  [processJob]  POST http://127.0.0.1:8790/v1/generate-image-pixflux → 200",
      "",
      "   offset ms duration ms  phase",
      "         0.0        20.0  submit",
      "        20.0        80.0  queue wait",
      "       100.0       800.0  attempt 1",
      "       120.0       580.0    PixelLab POST /v1/generate-image-pixflux → 200",
      "       700.0       200.0    storing",
      "",
      `also in trace ${OTHER_TRACE} (npm run trace -- --trace ${OTHER_TRACE})`,
    ]);
  });

  it("lists at most five other traces", () => {
    const others = Array.from({ length: 7 }, (_, i) => String(i).repeat(32));
    const lines = formatTimeline(buildTimeline([submit], TRACE, JOB), others).split("\n");
    expect(lines.slice(-6)).toEqual([
      ...others.slice(0, 5).map((t) => `also in trace ${t} (npm run trace -- --trace ${t})`),
      "… and in 2 more traces",
    ]);
  });

  it("marks failures and says when no attempt has run", () => {
    const failedSubmit = { ...submit, status: { code: 2, message: "enqueue timed out" } };
    const lines = formatTimeline(buildTimeline([failedSubmit], TRACE, JOB)).split("\n");
    expect(lines.slice(4)).toEqual([
      "         0.0        20.0  ✗ POST /v1/jobs  [api]  ERROR: enqueue timed out",
      "",
      "   offset ms duration ms  phase",
      "         0.0        20.0  ✗ submit",
      "                        no attempt span yet: the job is still queued, or its spans are on their way",
    ]);
  });
});
