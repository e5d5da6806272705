import { PATHS, type PathName, type PathOps } from "./accounting.ts";
import type { FirestoreCeilings } from "./firestore-ceilings.ts";
import type { LimitsReport, TargetCheck } from "./limits.ts";
import type { MachineFigures } from "./machine.ts";
import type { BenchReport } from "./report.ts";
import type { ScenarioReport } from "./scenario-figures.ts";
import type { Summary } from "./stats.ts";

const PATH_LABELS: Record<PathName, string> = {
  cacheMiss: "cache miss",
  singleFlight: "single-flight",
  cacheHit: "cache hit",
  dedup: "dedup",
  rejected: "refused",
};

const fmt = (v: number | null, digits = 1) =>
  v === null
    ? "–"
    : v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
const pad = (text: string, width: number) => text.padStart(width);

export function formatMachine(m: MachineFigures): string {
  return (
    `machine: ${m.cores} cores (${m.cpuModel}), SHA-256 ${int(m.sha256MiBPerSecond)} MiB/s on one core, ` +
    `${int(m.freeMemoryMiB)} of ${int(m.totalMemoryMiB)} MiB free, load ${m.loadAverage1m}, Node ${m.node}`
  );
}

export function formatCeilings(c: FirestoreCeilings): string {
  return (
    `Firestore emulator ceilings (${c.concurrency} at once, after ${int(c.warmupWrites)} warm-up writes in ${fmt(c.warmupMs / 1000)} s): ` +
    `${int(c.writesPerSecond)} single-document writes/s (p50 ${fmt(c.writeMs.p50)} ms), ` +
    `${int(c.transactionsPerSecond)} read-modify-write transactions/s (p50 ${fmt(c.transactionMs.p50)} ms)`
  );
}

function latencyRow(label: string, s: Summary): string {
  return `  ${label.padEnd(22)}${[s.p50, s.p95, s.p99, s.mean].map((v) => pad(fmt(v), 9)).join("")}${pad(int(s.count), 8)}`;
}

function opsRow(label: string, o: PathOps): string {
  const cells = [
    pad(int(o.jobs), 6),
    pad(fmt(o.firestoreReads), 7),
    pad(fmt(o.clientReads), 7),
    pad(fmt(o.firestoreWrites), 7),
    pad(fmt(o.firestoreDeletes), 8),
    pad(fmt(o.tasks, 2), 6),
    pad(fmt(o.pixellabCalls, 2), 9),
    pad(fmt(o.pubsubMessages), 7),
    pad(fmt(o.apiRequests), 8),
    pad(fmt(o.apiMs), 9),
    pad(fmt(o.handlerDeliveries, 2), 7),
    pad(fmt(o.handlerMs), 11),
    pad(int(o.storedBytes), 8),
  ];
  return `  ${label.padEnd(15)}${cells.join("")}`;
}

export function formatScenario(s: ScenarioReport): string {
  const listeners = Math.ceil(s.clients / 2);
  const byPath = s.submissions.byPath;
  const refused =
    Object.entries(s.submissions.refused)
      .map(([k, v]) => `${v} × ${k}`)
      .join(", ") || "none";
  const status =
    Object.entries(s.jobs.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const lines = [
    `── ${s.name} ── ${fmt(s.durationSeconds)} s, ${s.clients} client${s.clients === 1 ? "" : "s"} (${listeners} listening, ${s.clients - listeners} polling)`,
    `  sent ${s.submissions.sent}: ${byPath.cacheMiss} new, ${byPath.singleFlight} single-flight, ${byPath.cacheHit} cached, ${byPath.dedup} dedup; refused ${refused}`,
    `  ended ${s.jobs.ended} (${status}), not ended ${s.jobs.notEnded}, listener fell back to polling ${s.jobs.listenerFallbacks}` +
      (s.queueCapacity === null
        ? ""
        : `; queue capacity ${s.queueCapacity}, at most ${s.peakActiveJobs ?? "–"} active at once`),
    `  ${fmt(s.submissionsPerSecond, 2)} submissions/s, ${fmt(s.completedPerSecond, 2)} completed jobs/s, ${fmt(s.queuedJobsPerSecond, 2)} queued jobs/s` +
      (s.offeredPerSecond === null ? "" : ` (offered ${s.offeredPerSecond}/s)`),
    `  ${"ms".padEnd(22)}${["p50", "p95", "p99", "mean"].map((h) => pad(h, 9)).join("")}${pad("n", 8)}`,
    latencyRow("submit", s.submitMs),
    latencyRow("queue wait", s.queueWaitMs),
    latencyRow("handler overhead", s.handlerOverheadMs),
    latencyRow("end to end", s.endToEndMs),
    latencyRow("progress propagation", s.propagationMs),
    `  ${"per job".padEnd(15)}${pad("jobs", 6)}${pad("reads", 7)}${pad("+poll", 7)}${pad("writes", 7)}${pad("deletes", 8)}${pad("tasks", 6)}${pad("PixelLab", 9)}` +
      `${pad("events", 7)}${pad("api req", 8)}${pad("api ms", 9)}${pad("deliv.", 7)}${pad("handler ms", 11)}${pad("bytes", 8)}`,
    ...PATHS.filter((p) => s.operations[p].jobs > 0).map((p) => opsRow(PATH_LABELS[p], s.operations[p])),
    `  PixelLab: ${s.pixellab.calls} calls (${fmt(s.pixellab.callsPerQueuedJob, 2)} per queued job); calls saved by cache ${s.pixellab.savedBy.cache}, ` +
      `dedup ${s.pixellab.savedBy.dedup}, single-flight ${s.pixellab.savedBy.singleFlight} (${fmt(s.servedWithoutGeneration * 100)} % of answers)`,
    `  peak memory: ${Object.entries(s.peakMemoryMiB)
      .map(([k, v]) => `${k} ${fmt(v, 0)} MiB`)
      .join(", ")}`,
    ...(s.cpu === null ? [] : [cpuLine(s.cpu)]),
  ];
  return lines.join("\n");
}

/** One line for the progress log once a scenario is over. */
export function formatScenarioLine(s: ScenarioReport): string {
  const p = s.submissions.byPath;
  return (
    `  done in ${fmt(s.durationSeconds)} s: ${s.submissions.answered} answered (${p.cacheMiss + p.singleFlight} queued, ` +
    `${p.cacheHit} cached, ${p.dedup} dedup), ${s.submissions.byPath.rejected} refused, ${s.jobs.notEnded} not ended; ` +
    `${fmt(s.completedPerSecond, 2)} completed jobs/s, end to end p50 ${fmt(s.endToEndMs.p50, 0)} ms p95 ${fmt(s.endToEndMs.p95, 0)} ms`
  );
}

export function formatLimits(l: LimitsReport): string {
  const pct = (r: number | null) => (r === null ? "–" : `${fmt(r * 100)} %`);
  const lines = [
    "── limits ──",
    `  Firestore emulator: ${int(l.rawWritesPerSecond)} writes/s, ${int(l.rawTransactionsPerSecond)} transactions/s (raw, distinct documents)`,
    `  per generating job: ${fmt(l.writesPerCacheMissJob)} Firestore writes, ${fmt(l.handlerMsPerJob)} ms of processJob`,
    `  ${"Firestore writes".padEnd(24)}${pad(fmt(l.firestoreJobsPerSecond), 9)} jobs/s`,
    `  ${"queue concurrency".padEnd(24)}${pad(fmt(l.queueConcurrencyJobsPerSecond), 9)} jobs/s`,
    `  ${"Cloud Tasks dispatch".padEnd(24)}${pad(fmt(l.dispatchJobsPerSecond), 9)} jobs/s`,
    `  ${"machine CPU".padEnd(24)}${pad(fmt(l.cpuJobsPerSecond), 9)} jobs/s` +
      (l.machineBusyPercent === null ? "" : ` (the machine was ${fmt(l.machineBusyPercent, 1)} % busy)`),
    ...(l.cpuMsPerJob === null ? [] : [`  CPU ms per job: ${cpuParts(l.cpuMsPerJob)}`]),
    `  binding: ${l.bindingLimit}, ${fmt(l.bindingJobsPerSecond)} jobs/s; achieved ${fmt(l.achievedJobsPerSecond, 2)} jobs/s` +
      ` (${l.achievedScenario ?? "–"}) = ${pct(l.achievedRatio)}; of the Firestore limit ${pct(l.firestoreRatio)}`,
    ...l.byLatency
      .filter((b) => b.pixellabLatencyMs > 0)
      .map(
        (b) =>
          `  at ${fmt(b.pixellabLatencyMs / 1000)} s PixelLab: handler ${fmt(b.handlerMsPerJob)} ms/job → queue concurrency ` +
          `${fmt(b.queueConcurrencyJobsPerSecond)} jobs/s; binding ${b.bindingLimit} ${fmt(b.bindingJobsPerSecond)} jobs/s; ` +
          `achieved ${fmt(b.achievedJobsPerSecond, 2)} (${b.scenario}) = ${pct(b.achievedRatio)}`,
      ),
  ];
  return lines.join("\n");
}

export function formatTargets(targets: readonly TargetCheck[]): string {
  const width = Math.max(0, ...targets.map((t) => t.name.length)) + 2;
  const rows = targets.map((t) => {
    const verdict = t.met === null ? "not run" : t.met ? "met" : "NOT MET";
    const row = `  ${t.name.padEnd(width)}${t.target.padEnd(12)}${pad(fmt(t.measured, 2), 9)}  ${verdict}`;
    return t.note === undefined ? row : `${row}\n${" ".repeat(width + 2)}↳ ${t.note}`;
  });
  return ["── targets (the original system's, then issue 13's) ──", ...rows].join("\n");
}

export function formatReport(report: BenchReport): string {
  return [
    formatMachine(report.machine),
    formatCeilings(report.ceilings),
    "",
    ...report.scenarios.map((s) => `${formatScenario(s)}\n`),
    formatLimits(report.limits),
    "",
    formatTargets(report.targets),
    ...(report.notes.length > 0 ? ["", ...report.notes.map((n) => `note: ${n}`)] : []),
    "",
    `results: ${report.files.report} (and ${report.files.latest})`,
  ].join("\n");
}

/** Where the machine's CPU went, per job, largest first. */
function cpuLine(cpu: NonNullable<ScenarioReport["cpu"]>): string {
  return (
    `  CPU: machine ${fmt(cpu.machineBusyPercent, 1)} % busy (steal ${fmt(cpu.stealPercent, 1)} %), ` +
    `${fmt(cpu.machineMsPerJob, 1)} ms per job: ${cpuParts(cpu.msPerJob)}`
  );
}

function cpuParts(msPerJob: Record<string, number>): string {
  return Object.entries(msPerJob)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${fmt(ms, 1)}`)
    .join(", ");
}
