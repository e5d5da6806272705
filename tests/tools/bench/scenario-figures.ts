import {
  averages,
  PATHS,
  totalsByPath,
  type PathName,
  type PathOps,
  type PathTotals,
  type SubmissionCost,
} from "./accounting.ts";
import { cpuFigures, type CpuFigures, type CpuSample } from "./process-cpu.ts";
import { perSecond, summarise, type Summary } from "./stats.ts";

/** Everything measured in one scenario. Latencies in ms, rates per second, memory in MiB. */
export interface ScenarioReport {
  name: string;
  slug: string;
  workload: "closed-loop" | "open-loop" | "burst" | "duplicate-mix";
  clients: number;
  pixellabLatencyMs: number;
  /** First POST sent → last terminal state seen, s. */
  durationSeconds: number;
  /** Open loop only: the arrival rate asked for. */
  offeredPerSecond: number | null;
  submissions: {
    sent: number;
    /** Answered with a job (new, cached or deduplicated). */
    answered: number;
    byPath: Record<PathName, number>;
    /** Refused in the end, by `status problem-type`. */
    refused: Record<string, number>;
    /** Refusals waited out and sent again, by status. */
    retried: Record<string, number>;
  };
  jobs: {
    /** Answered submissions whose job reached completed, failed or cancelled. */
    ended: number;
    byStatus: Record<string, number>;
    /** Answered submissions the client never saw end (watch deadline or error). */
    notEnded: number;
    /** Listener clients whose job ended by polling (the listener failed or was late). */
    listenerFallbacks: number;
  };
  submissionsPerSecond: number;
  /** Answered submissions seen completed, per second. */
  completedPerSecond: number;
  /** Jobs the queue ran (cache misses and single-flight) that completed, per second. */
  queuedJobsPerSecond: number;
  submitMs: Summary;
  /** Job createdAt → startedAt, queued jobs. */
  queueWaitMs: Summary;
  /** processJob delivery time minus its PixelLab time. */
  handlerOverheadMs: Summary;
  /** Submit sent → client saw the terminal state, every answered submission. */
  endToEndMs: Summary;
  /** Handler's `updatedAt` → the client's listener got that snapshot. */
  propagationMs: Summary;
  operations: Record<PathName, PathOps>;
  pixellab: {
    /** Generation calls the offline PixelLab received for this scenario's requests. */
    calls: number;
    callsPerQueuedJob: number;
    /** Jobs that completed without a generation of their own, by path: each one a call saved. */
    savedBy: { cache: number; dedup: number; singleFlight: number };
  };
  /** Share of answered submissions served without a generation of their own (cache, dedup, single-flight). */
  servedWithoutGeneration: number;
  /** Share of answered submissions answered from the cache. */
  cacheHitShare: number;
  /** Peak resident memory per function process during the scenario (VmHWM). */
  peakMemoryMiB: Record<string, number | null>;
  /** CPU per answered submission, by service and for the machine; null off Linux. */
  cpu: CpuFigures | null;
  /** Burst only: the queue capacity it ran against, and the most jobs queued or processing at once (sampled). */
  queueCapacity: number | null;
  peakActiveJobs: number | null;
}

export interface ScenarioInput {
  name: string;
  slug: string;
  workload: ScenarioReport["workload"];
  clients: number;
  pixellabLatencyMs: number;
  offeredPerSecond: number | null;
  queueCapacity: number | null;
  peakActiveJobs: number | null;
  costs: readonly SubmissionCost[];
  pixellabCalls: number;
  storedBytes: Record<PathName, number>;
  peakMemoryMiB: Record<string, number | null>;
  /** CPU counters read as the workload started and once its last figures had landed. */
  cpu: { before: CpuSample; after: CpuSample } | null;
}

export function scenarioFigures(input: ScenarioInput): {
  report: ScenarioReport;
  totals: Record<PathName, PathTotals>;
} {
  const { costs } = input;
  const records = costs.map((c) => c.record);
  const answered = costs.filter((c) => c.path !== "rejected");
  const ended = answered.filter((c) => c.record.endedAt !== null);
  const queued = answered.filter((c) => c.path === "cacheMiss" || c.path === "singleFlight");
  const count = (path: PathName) => costs.filter((c) => c.path === path).length;
  const start = Math.min(...records.map((r) => r.sentAt));
  const end = Math.max(...records.map((r) => r.endedAt ?? r.sentAt + (r.submitMs ?? 0)));
  const durationMs = Number.isFinite(start) && Number.isFinite(end) ? end - start : 0;
  const totals = totalsByPath(costs, input.storedBytes);
  const tally = (keys: string[]) =>
    keys.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {});
  const retried: Record<string, number> = {};
  for (const r of records)
    for (const [k, v] of Object.entries(r.refusals)) retried[k] = (retried[k] ?? 0) + v;
  const completed = (list: readonly SubmissionCost[]) =>
    list.filter((c) => c.record.endStatus === "completed").length;
  const share = (n: number) => (answered.length === 0 ? 0 : Math.round((n / answered.length) * 1000) / 1000);
  // A call saved is a job that completed without a generation of its own.
  const savedOn = (path: PathName) => completed(costs.filter((c) => c.path === path));
  const saved = {
    cache: savedOn("cacheHit"),
    dedup: savedOn("dedup"),
    singleFlight: savedOn("singleFlight"),
  };
  const report: ScenarioReport = {
    name: input.name,
    slug: input.slug,
    workload: input.workload,
    clients: input.clients,
    pixellabLatencyMs: input.pixellabLatencyMs,
    durationSeconds: Math.round(durationMs / 100) / 10,
    offeredPerSecond: input.offeredPerSecond,
    submissions: {
      sent: records.length,
      answered: answered.length,
      byPath: Object.fromEntries(PATHS.map((p) => [p, count(p)])) as Record<PathName, number>,
      refused: tally(
        costs
          .filter((c) => c.path === "rejected")
          .map((c) => `${c.record.status} ${c.record.problemType ?? ""}`.trim()),
      ),
      retried,
    },
    jobs: {
      ended: ended.length,
      byStatus: tally(ended.map((c) => c.record.endStatus as string)),
      notEnded: answered.length - ended.length,
      listenerFallbacks: ended.filter(
        (c) => c.record.transport === "listener" && c.record.endTransport === "polling",
      ).length,
    },
    submissionsPerSecond: perSecond(answered.length, durationMs),
    completedPerSecond: perSecond(completed(answered), durationMs),
    queuedJobsPerSecond: perSecond(completed(queued), durationMs),
    submitMs: summarise(answered.map((c) => c.record.submitMs ?? Number.NaN)),
    queueWaitMs: summarise(
      queued.map((c) => (c.record.startedAt ?? Number.NaN) - (c.record.createdAt ?? Number.NaN)),
    ),
    handlerOverheadMs: summarise(queued.flatMap((c) => c.handlerOverheadMs)),
    endToEndMs: summarise(ended.map((c) => (c.record.endedAt as number) - c.record.sentAt)),
    propagationMs: summarise(records.flatMap((r) => r.propagationMs)),
    operations: Object.fromEntries(PATHS.map((p) => [p, averages(totals[p])])) as Record<PathName, PathOps>,
    pixellab: {
      calls: input.pixellabCalls,
      callsPerQueuedJob:
        queued.length === 0 ? 0 : Math.round((input.pixellabCalls / queued.length) * 100) / 100,
      savedBy: saved,
    },
    servedWithoutGeneration: share(saved.cache + saved.dedup + saved.singleFlight),
    cacheHitShare: share(saved.cache),
    peakMemoryMiB: input.peakMemoryMiB,
    cpu: input.cpu === null ? null : cpuFigures(input.cpu.before, input.cpu.after, answered.length),
    queueCapacity: input.queueCapacity,
    peakActiveJobs: input.peakActiveJobs,
  };
  return { report, totals };
}
