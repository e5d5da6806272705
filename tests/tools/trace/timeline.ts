import type { SpanRecord } from "./span-record.ts";
import { SPAN_KIND } from "./span-record.ts";
import {
  attemptNumber,
  attemptSpans,
  byStart,
  callFailed,
  enqueueSpan,
  failed,
  httpCall,
  isJobSpan,
  OUTCOME_ATTRIBUTE,
  pixellabCalls,
  spanTree,
  storingSpan,
  submitSpan,
  type SpanTree,
} from "./span-roles.ts";

/** One span of the trace, placed on the timeline. Times in ms from the trace's first span. */
export interface TimelineRow {
  depth: number;
  offsetMs: number;
  durationMs: number;
  service: string;
  name: string;
  /** The attributes worth a glance: the HTTP call, the attempt, the error. */
  detail: string;
  failed: boolean;
}

/** A derived line: a stretch of the job's life (queue wait, an attempt, a PixelLab call, the storing). */
export interface Phase {
  /** 0 for the job's stages, 1 for what happened inside an attempt. */
  depth: 0 | 1;
  label: string;
  offsetMs: number;
  durationMs: number;
  failed: boolean;
}

export interface Timeline {
  jobId: string;
  traceId: string;
  /** When the trace's first span started, ms since the epoch. */
  startUnixMs: number;
  /** First span's start to last span's end, ms. */
  totalMs: number;
  services: string[];
  rows: TimelineRow[];
  phases: Phase[];
}

/**
 * The traces holding spans of `jobId`, the job's own first: the one whose earliest job span started
 * first (a later trace is, say, a deduplicated repeat that answered with this job's id).
 */
export function jobTraceIds(spans: readonly SpanRecord[], jobId: string): string[] {
  const first = new Map<string, SpanRecord>();
  for (const span of [...spans].filter((s) => isJobSpan(s, jobId)).sort(byStart))
    if (!first.has(span.traceId)) first.set(span.traceId, span);
  return [...first.keys()];
}

/** Builds the timeline of one trace (`spans` may hold other traces too; they are left out). */
export function buildTimeline(spans: readonly SpanRecord[], traceId: string, jobId: string): Timeline {
  const own = dedupe(spans.filter((s) => s.traceId === traceId));
  if (own.length === 0) throw new Error(`no span of trace ${traceId}`);
  const tree = spanTree(own);
  const origin = own.map((s) => BigInt(s.startTimeUnixNano)).reduce((a, b) => (b < a ? b : a));
  const end = own.map((s) => BigInt(s.endTimeUnixNano)).reduce((a, b) => (b > a ? b : a));
  const at = (nanos: string) => ms(BigInt(nanos) - origin);
  return {
    jobId,
    traceId,
    startUnixMs: Number(origin / 1_000_000n),
    totalMs: ms(end - origin),
    services: [...new Set([...own].sort(byStart).map((s) => s.service))],
    rows: treeRows(tree, at),
    phases: phases(tree, at),
  };
}

/** A span exported twice (a retried export) counts once. */
function dedupe(spans: SpanRecord[]): SpanRecord[] {
  return [...new Map(spans.map((s) => [s.spanId, s])).values()];
}

const ms = (nanos: bigint) => Number(nanos) / 1e6;

function treeRows(tree: SpanTree, at: (nanos: string) => number): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const seen = new Set<string>();
  const visit = (span: SpanRecord, depth: number) => {
    if (seen.has(span.spanId)) return;
    seen.add(span.spanId);
    rows.push({
      depth,
      offsetMs: at(span.startTimeUnixNano),
      durationMs: duration(span),
      service: span.service,
      name: span.name,
      detail: detail(span),
      failed: failed(span),
    });
    for (const child of tree.children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of tree.roots) visit(root, 0);
  return rows;
}

const duration = (span: SpanRecord) => ms(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano));

function detail(span: SpanRecord): string {
  const parts: string[] = [];
  const call = httpCall(span);
  if (call !== undefined)
    parts.push(`${call.method} ${shortUrl(call.url)}${call.status ? ` → ${call.status}` : ""}`);
  const answered = span.attributes["http.response.status_code"];
  if (span.kind === SPAN_KIND.server && typeof answered === "number") parts.push(`→ ${answered}`);
  if (failed(span)) parts.push(`ERROR${span.status.message ? `: ${span.status.message}` : ""}`);
  return parts.join("  ");
}

/** `scheme://host/path` without the query (which may carry secrets or a huge payload). */
export function shortUrl(url: string): string {
  return url.split(/[?#]/)[0] ?? url;
}

/** The path of a URL (PixelLab's host is the same for every call). */
function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return shortUrl(url);
  }
}

function phases(tree: SpanTree, at: (nanos: string) => number): Phase[] {
  const list: Phase[] = [];
  const between = (label: string, from: string, to: string): Phase => ({
    depth: 0,
    label,
    offsetMs: at(from),
    durationMs: Math.max(0, at(to) - at(from)),
    failed: false,
  });
  const stage = (depth: 0 | 1, label: string, span: SpanRecord): Phase => ({
    depth,
    label,
    offsetMs: at(span.startTimeUnixNano),
    durationMs: duration(span),
    failed: failed(span),
  });
  const submit = submitSpan(tree);
  const attempts = attemptSpans(tree);
  if (submit !== undefined) list.push(stage(0, "submit", submit));
  attempts.forEach((attempt, index) => {
    const number = attemptNumber(attempt, index);
    const previous = attempts[index - 1];
    // The first attempt waits from its task's creation (the submit may still be answering then).
    const waitFrom = previous ?? enqueueSpan(tree, number) ?? submit;
    if (waitFrom !== undefined)
      list.push(
        between(previous ? "retry wait" : "queue wait", waitFrom.endTimeUnixNano, attempt.startTimeUnixNano),
      );
    const outcome = attempt.attributes[OUTCOME_ATTRIBUTE];
    list.push(stage(0, `attempt ${number}${typeof outcome === "string" ? ` (${outcome})` : ""}`, attempt));
    list.push(...insideAttempt(tree, attempt, stage, between));
  });
  return list;
}

/**
 * Each PixelLab call of an attempt, then its storing: the span that says so, or what follows the
 * last call when it succeeded (after a failed one, that time goes to recording the failure).
 */
function insideAttempt(
  tree: SpanTree,
  attempt: SpanRecord,
  stage: (depth: 0 | 1, label: string, span: SpanRecord) => Phase,
  between: (label: string, from: string, to: string) => Phase,
): Phase[] {
  const calls = pixellabCalls(tree, attempt);
  const found = calls.map((call) => {
    const http = httpCall(call);
    const url = http === undefined ? call.name : `${http.method} ${urlPath(http.url)}`;
    return {
      ...stage(1, `PixelLab ${url}${http?.status ? ` → ${http.status}` : ""}`, call),
      failed: callFailed(call),
    };
  });
  const storing = storingSpan(tree, attempt);
  const last = calls.at(-1);
  if (storing !== undefined) found.push(stage(1, "storing", storing));
  else if (last !== undefined) {
    const label = callFailed(last) ? "recording the failure" : "storing";
    found.push({ ...between(label, last.endTimeUnixNano, attempt.endTimeUnixNano), depth: 1 });
  }
  return found;
}
