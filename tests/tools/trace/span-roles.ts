import { SPAN_KIND, STATUS_ERROR, type SpanRecord } from "./span-record.ts";

/**
 * What each span of a job's trace is, told from its attributes, kind and service. Pure. The names
 * are those the functions give (`shared/telemetry/`); the fallbacks keep the timeline readable for
 * spans from an older or newer build.
 */

/** The attribute that names the job a span works for (the submit, the enqueue, the attempt). */
export const JOB_ID_ATTRIBUTE = "genqueue.job.id";
/** The attempt's number, from 1: on the attempt span, and on the span that enqueues its task. */
export const ATTEMPT_ATTRIBUTE = "genqueue.job.attempt";
/** How an attempt ended (`completed`, `retry-scheduled`, …), set on its span. */
export const OUTCOME_ATTRIBUTE = "genqueue.attempt.outcome";

/** The submit's function target (`service.name`) and the task handler's. */
const API_SERVICE = "api";
const HANDLER_SERVICE = "processJob";

/** A span that stores the result (the cache entry, the job's completion), when the code names one. */
const STORING_NAME = /\bstor(e|ing)\b|complet|\bsave/i;
const ATTEMPT_NAME = /attempt/i;

export const isJobSpan = (span: SpanRecord, jobId: string) => span.attributes[JOB_ID_ATTRIBUTE] === jobId;
export const failed = (span: SpanRecord) => span.status.code === STATUS_ERROR;

/** The method, URL and status of an HTTP client span (old and new semantic conventions). */
export function httpCall(span: SpanRecord): { method: string; url: string; status?: number } | undefined {
  if (span.kind !== SPAN_KIND.client) return undefined;
  const a = span.attributes;
  const method = a["http.request.method"] ?? a["http.method"];
  const url = a["url.full"] ?? a["http.url"];
  if (typeof method !== "string" && typeof url !== "string") return undefined;
  const status = a["http.response.status_code"] ?? a["http.status_code"];
  return {
    method: typeof method === "string" ? method : "HTTP",
    url: typeof url === "string" ? url : "",
    ...(typeof status === "number" && { status }),
  };
}

/** Parent links resolved within one trace. */
export interface SpanTree {
  byId: Map<string, SpanRecord>;
  children: Map<string, SpanRecord[]>;
  /** Spans whose parent is not in the trace (the submit; anything whose parent was not exported). */
  roots: SpanRecord[];
}

export function spanTree(spans: readonly SpanRecord[]): SpanTree {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const span of [...byId.values()].sort(byStart)) {
    const parent = span.parentSpanId;
    if (parent === undefined || parent === span.spanId || !byId.has(parent)) roots.push(span);
    else children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  return { byId, children, roots };
}

export function byStart(a: SpanRecord, b: SpanRecord): number {
  const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
  return d < 0n ? -1 : d > 0n ? 1 : a.name.localeCompare(b.name);
}

/** Every descendant of `span`, depth first (a parent cycle cannot loop: each span is visited once). */
export function descendants(tree: SpanTree, span: SpanRecord, seen = new Set<string>()): SpanRecord[] {
  const found: SpanRecord[] = [];
  for (const child of tree.children.get(span.spanId) ?? []) {
    if (seen.has(child.spanId)) continue;
    seen.add(child.spanId);
    found.push(child, ...descendants(tree, child, seen));
  }
  return found;
}

function ancestors(tree: SpanTree, span: SpanRecord): SpanRecord[] {
  const found: SpanRecord[] = [];
  for (let at = span.parentSpanId; at !== undefined && found.length < tree.byId.size;) {
    const parent = tree.byId.get(at);
    if (parent === undefined) break;
    found.push(parent);
    at = parent.parentSpanId;
  }
  return found;
}

/** The submit: the earliest root span of the `api` function (undefined until it is exported). */
export function submitSpan(tree: SpanTree): SpanRecord | undefined {
  return tree.roots.find((s) => s.service === API_SERVICE);
}

/**
 * The attempt spans, oldest first: the outermost spans marked as attempts (the attribute, or the
 * name); without any, the outermost spans of the task handler.
 */
export function attemptSpans(tree: SpanTree): SpanRecord[] {
  const all = [...tree.byId.values()].sort(byStart);
  const outermost = (isOne: (s: SpanRecord) => boolean) =>
    all.filter((s) => isOne(s) && !ancestors(tree, s).some(isOne));
  // An enqueue (a PRODUCER span) names the attempt it schedules; it is not the attempt.
  const marked = outermost(
    (s) =>
      s.kind !== SPAN_KIND.producer &&
      (s.attributes[ATTEMPT_ATTRIBUTE] !== undefined || ATTEMPT_NAME.test(s.name)),
  );
  return marked.length > 0 ? marked : outermost((s) => s.service === HANDLER_SERVICE);
}

/** The attempt's number: its attribute, else its place among the attempts (from 1). */
export function attemptNumber(attempt: SpanRecord, index: number): number {
  const value = attempt.attributes[ATTEMPT_ATTRIBUTE];
  return typeof value === "number" && Number.isInteger(value) ? value : index + 1;
}

/** The span that enqueued attempt `number`'s task (a PRODUCER span naming it), if exported. */
export function enqueueSpan(tree: SpanTree, number: number): SpanRecord | undefined {
  return [...tree.byId.values()]
    .filter((s) => s.kind === SPAN_KIND.producer && s.attributes[ATTEMPT_ATTRIBUTE] === number)
    .sort(byStart)[0];
}

/** Whether an HTTP call failed: its span says so, or its status is 4xx/5xx. */
export function callFailed(span: SpanRecord): boolean {
  return failed(span) || (httpCall(span)?.status ?? 0) >= 400;
}

/** Google's own endpoints (credentials, metadata): HTTP calls of an attempt that are not PixelLab's. */
const GOOGLE_HOST = /(^|\.)googleapis\.com$|^metadata\.google\.internal$|^169\.254\.169\.254$/;

/** The PixelLab calls of one attempt: its HTTP client spans, but for Google's own endpoints. */
export function pixellabCalls(tree: SpanTree, attempt: SpanRecord): SpanRecord[] {
  return descendants(tree, attempt)
    .filter((s) => {
      const call = httpCall(s);
      return call !== undefined && !GOOGLE_HOST.test(hostOf(call.url));
    })
    .sort(byStart);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

/** The span an attempt names for storing its result, if the code records one. */
export function storingSpan(tree: SpanTree, attempt: SpanRecord): SpanRecord | undefined {
  return descendants(tree, attempt)
    .filter((s) => httpCall(s) === undefined && STORING_NAME.test(s.name))
    .sort(byStart)[0];
}
