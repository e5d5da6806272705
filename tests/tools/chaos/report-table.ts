import type { ChaosReport } from "./report.ts";

const LABEL = 26;
const SHOWN_VIOLATIONS = 40;

/** The report as the CLI prints it: a table of counts, then every violation and the traced jobs. */
export function formatReport(report: ChaosReport): string {
  const { options: o, audit } = report;
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(LABEL)}${value}`);
  const jobs = Object.values(audit.jobsByStatus).reduce((a, b) => a + b, 0);
  const pct = report.pixellab.calls === 0 ? 0 : (100 * report.pixellab.failedCalls) / report.pixellab.calls;
  const s = report.sweeper;

  lines.push(
    `Chaos run: ${o.jobs} jobs, ${o.users} users, seed ${o.seed}, failure rate ${o.failureRate}, ` +
      `${duration(report.durationMs)} (--seed ${o.seed} replays the plan)`,
    "",
  );
  row("jobs by outcome", `${counts(audit.jobsByStatus)}  (total ${jobs})`);
  row("submissions", counts(report.submissions));
  row("  waited out", counts(report.refusals, "×") || "none");
  row("cancels", counts(report.cancels, "×") || "none");
  row(
    "PixelLab calls",
    `${report.pixellab.calls}, failed ${report.pixellab.failedCalls} (${pct.toFixed(1)} %): ${counts(report.pixellab.byKind)}`,
  );
  row(
    "faults injected",
    Object.entries(report.faults)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(", "),
  );
  for (const event of report.faultEvents.filter((e) => e.kind !== "duplicate delivery")) {
    const at = ((event.startedAt - report.startedAt) / 1000).toFixed(1).padStart(6);
    lines.push(`${"".padEnd(LABEL)}${at} s  ${event.kind}: ${event.detail}`);
  }
  row(
    "sweeper",
    `${s.runs} runs (${s.failedRuns} failed): expired leases ${s.expiredLeases} (requeued ${s.requeued}, ` +
      `failed ${s.failed}, cancelled ${s.cancelled}), re-enqueued ${s.reenqueued}, ` +
      `slots repaired ${s.slotsRepaired}, errors ${s.errors}`,
  );
  row(
    "drain",
    report.drain.drained
      ? `drained ${duration(report.drain.ms)} after the faults`
      : `NOT drained: ${report.drain.active} active after ${duration(report.drain.ms)}`,
  );
  row("failed by error", counts(audit.failedByErrorType) || "none");
  row("attempt errors", counts(audit.attemptErrorsByType) || "none");
  lines.push("outcome by PixelLab fault");
  for (const [fault, outcome] of Object.entries(audit.outcomesByFault).sort())
    row(`  ${fault}`, counts(outcome));
  lines.push("");
  row("lost", String(audit.lost));
  row("doubled", String(audit.doubled));
  row(
    "crash window",
    `${audit.crashWindow.count} request(s) paid again because processJob was SIGKILLed holding PixelLab's answer, not yet stored (not a violation)`,
  );
  for (const detail of audit.crashWindow.details.slice(0, SHOWN_VIOLATIONS)) lines.push(`  - ${detail}`);
  const byKind: Record<string, number> = {};
  for (const v of audit.violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
  row("violations", audit.violations.length === 0 ? "none" : `${audit.violations.length}: ${counts(byKind)}`);
  for (const v of audit.violations.slice(0, SHOWN_VIOLATIONS))
    lines.push(`  - ${v.kind} ${v.jobId ?? "-"}: ${v.detail}`);
  if (audit.violations.length > SHOWN_VIOLATIONS)
    lines.push(`  … and ${audit.violations.length - SHOWN_VIOLATIONS} more`);
  for (const [jobId, trace] of Object.entries(report.traces)) {
    lines.push("", `trace of job ${jobId}:`, ...trace.map((line) => `    ${line}`));
  }
  return lines.join("\n");
}

function counts(map: Record<string, number>, sep = " "): string {
  return Object.entries(map)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => (sep === "×" ? `${k} ×${n}` : `${k} ${n}`))
    .join(", ");
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
