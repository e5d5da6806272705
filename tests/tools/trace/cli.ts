/**
 * `npm run trace -- <jobId> [--file FILE] [--trace ID] [--no-firestore]`: one job's trace from the
 * local stack's spans file as a timeline in the terminal. The job's trace is the one whose spans
 * carry its id; failing that, the `traceparent` on its Firestore document (when the stack runs).
 * Exits 1 when the file, the job or its spans are not found, 2 for bad arguments.
 */
import { lookUpJobTrace, type JobTraceLookup } from "./job-traceparent.ts";
import { readSpansFile, SpansFileError, type SpanRecord } from "./span-record.ts";
import { JOB_ID_ATTRIBUTE } from "./span-roles.ts";
import { buildTimeline, jobTraceIds } from "./timeline.ts";
import { formatTimeline } from "./timeline-format.ts";
import { parseTraceArgs, USAGE, type TraceOptions } from "./trace-options.ts";

async function main(): Promise<number> {
  let options;
  try {
    options = parseTraceArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`trace: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  let file;
  try {
    file = readSpansFile(options.file);
  } catch (error) {
    if (!(error instanceof SpansFileError)) throw error;
    console.error(`trace: ${error.message}`);
    return 1;
  }
  if (file.skippedLines > 0)
    console.error(`trace: skipped ${file.skippedLines} line(s) of ${options.file} that are not spans`);
  const found = await findTraces(file.spans, options);
  if ("error" in found) {
    console.error(`trace: ${found.error}`);
    return 1;
  }
  const [traceId, ...others] = found.traceIds as [string, ...string[]];
  if (!file.spans.some((s) => s.traceId === traceId)) {
    console.error(
      `trace: no span of trace ${traceId} in ${options.file} yet (the job's spans are sent as it runs)`,
    );
    return 1;
  }
  const jobId = options.jobId || jobOfTrace(file.spans, traceId);
  console.log(formatTimeline(buildTimeline(file.spans, traceId, jobId), others));
  return 0;
}

/** The traces to show, the job's own first, or why there are none. */
async function findTraces(
  spans: readonly SpanRecord[],
  options: TraceOptions,
): Promise<{ traceIds: string[] } | { error: string }> {
  if (options.traceId !== undefined) return { traceIds: [options.traceId] };
  const fromSpans = jobTraceIds(spans, options.jobId);
  if (fromSpans.length > 0) return { traceIds: fromSpans };
  const lookup: JobTraceLookup | undefined =
    options.firestore === undefined ? undefined : await lookUpJobTrace(options.firestore, options.jobId);
  if (lookup?.found === "trace") return { traceIds: [lookup.traceId] };
  const why = {
    "no-job": `and the stack's Firestore (${options.firestore}) has no such job`,
    "job-without-trace": "and its job document has no traceparent (submitted before tracing, or without it)",
    unreachable: `and the stack's Firestore (${options.firestore}) did not answer`,
    none: "and Firestore was not asked (--no-firestore)",
  }[lookup?.found ?? "none"];
  return { error: `no span of job ${options.jobId} in ${options.file}, ${why}` };
}

/** The job a trace works for, from its spans' job id attribute ("?" when none says). */
function jobOfTrace(spans: readonly SpanRecord[], traceId: string): string {
  const named = spans.find(
    (s) => s.traceId === traceId && typeof s.attributes[JOB_ID_ATTRIBUTE] === "string",
  );
  return (named?.attributes[JOB_ID_ATTRIBUTE] as string | undefined) ?? "?";
}

process.exitCode = await main();
