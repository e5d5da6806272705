import type { Phase, Timeline, TimelineRow } from "./timeline.ts";

/**
 * A {@link Timeline} as terminal text: a header, every span indented by parentage, then the job's
 * phases (queue wait, attempts, PixelLab calls, storing). Each line starts with the offset from the
 * trace's first span and the duration, in ms. Pure; no colours, so it pipes and pastes cleanly.
 */
export function formatTimeline(timeline: Timeline, otherTraceIds: readonly string[] = []): string {
  const spans = timeline.rows.length;
  const lines = [
    `job ${timeline.jobId}  trace ${timeline.traceId}`,
    `${spans} span${spans === 1 ? "" : "s"} from ${timeline.services.join(", ")}, ` +
      `${fixed(timeline.totalMs)} ms, started ${new Date(timeline.startUnixMs).toISOString()}`,
    "",
    header("span"),
    ...timeline.rows.map(rowLine),
    "",
    header("phase"),
    ...timeline.phases.map(phaseLine),
  ];
  if (!timeline.phases.some((p) => p.label.startsWith("attempt ")))
    lines.push(
      `${" ".repeat(COLUMN * 2)}no attempt span yet: the job is still queued, or its spans are on their way`,
    );
  if (otherTraceIds.length > 0) lines.push("");
  for (const other of otherTraceIds.slice(0, MAX_OTHER_TRACES))
    lines.push(`also in trace ${other} (npm run trace -- --trace ${other})`);
  if (otherTraceIds.length > MAX_OTHER_TRACES)
    lines.push(`… and in ${otherTraceIds.length - MAX_OTHER_TRACES} more traces`);
  return lines.join("\n");
}

/** Other traces naming the job (repeats answered with its id, say) listed at most. */
const MAX_OTHER_TRACES = 5;

/** Width of each number column ("  offset ms", " duration ms"). */
const COLUMN = 12;

function header(what: string): string {
  return `${"offset ms".padStart(COLUMN)}${"duration ms".padStart(COLUMN)}  ${what}`;
}

function numbers(offsetMs: number, durationMs: number): string {
  return `${fixed(offsetMs).padStart(COLUMN)}${fixed(durationMs).padStart(COLUMN)}  `;
}

/** ms with one decimal (OTLP times are in ns; a tenth of a ms is as fine as a terminal needs). */
export function fixed(ms: number): string {
  return ms.toFixed(1);
}

function rowLine(row: TimelineRow): string {
  const mark = row.failed ? "✗ " : "";
  const detail = row.detail === "" ? "" : `  ${row.detail}`;
  return `${numbers(row.offsetMs, row.durationMs)}${"  ".repeat(row.depth)}${mark}${row.name}  [${row.service}]${detail}`;
}

function phaseLine(phase: Phase): string {
  const mark = phase.failed ? "✗ " : "";
  return `${numbers(phase.offsetMs, phase.durationMs)}${"  ".repeat(phase.depth)}${mark}${phase.label}`;
}
