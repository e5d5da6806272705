import type { LogLedger } from "./log-ledger.ts";
import type { SubmissionRecord } from "./submission.ts";

/** Averages per job on one path, from the measured counts (the shape `npm run cost` reads). */
export interface PathOps {
  /** How many jobs the average is over. */
  jobs: number;
  /** The job's own reads: its submission and its deliveries (what the per-job targets count). */
  firestoreReads: number;
  /** Reads of the client following the job over HTTP (its polls); listeners are billed apart. */
  clientReads: number;
  firestoreWrites: number;
  firestoreDeletes: number;
  /** Cloud Tasks tasks created per job (distinct task names delivered). */
  tasks: number;
  /** Paid generations per job (the offline PixelLab's calls, by tag). */
  pixellabCalls: number;
  /** Events published per job (seen on the events topic). */
  pubsubMessages: number;
  /** HTTP requests to the api function per job (submit + polls). */
  apiRequests: number;
  /** api request time per job, ms (sum of its requests). */
  apiMs: number;
  /** processJob deliveries per job. */
  handlerDeliveries: number;
  /** processJob time per job, ms (PixelLab wait included). */
  handlerMs: number;
  /** Job document + cache entry bytes kept per job (estimated from the stored documents). */
  storedBytes: number;
}

/**
 * Where a submission went: a job that generated (`cacheMiss`), a job that completed from another
 * job's generation (`singleFlight`), an answer from the cache (`cacheHit`), the user's earlier job
 * (`dedup`), or no job at all (`rejected`).
 */
export const PATHS = ["cacheMiss", "singleFlight", "cacheHit", "dedup", "rejected"] as const;
export type PathName = (typeof PATHS)[number];

/** Sums over the jobs of one path, so paths of several scenarios add up before averaging. */
export type PathTotals = PathOps;

/** What one submission cost, measured. */
export interface SubmissionCost {
  path: PathName;
  record: SubmissionRecord;
  ops: Omit<PathOps, "jobs" | "storedBytes">;
  /** processJob time not spent waiting for PixelLab, per completed delivery, ms. */
  handlerOverheadMs: number[];
}

export interface CostSources {
  ledger: LogLedger;
  /** Events per job id. */
  events: ReadonlyMap<string, number>;
  /** PixelLab calls per tag. */
  pixellabCallsByTag: (tag: string) => number;
}

export function pathOf(record: SubmissionRecord, ledger: LogLedger): PathName {
  if (record.path === null || record.jobId === null) return "rejected";
  if (record.path !== "cacheMiss") return record.path;
  const shared = ledger
    .deliveriesByJob(record.jobId)
    .some((d) => d.sharedGeneration === true && d.outcome === "completed");
  return shared ? "singleFlight" : "cacheMiss";
}

/** Measures every submission's cost from the logs, the events and the PixelLab stats. */
export function costSubmissions(
  records: readonly SubmissionRecord[],
  sources: CostSources,
): SubmissionCost[] {
  const costs = records.map((record) => costOne(record, sources));
  attributePixelLabCalls(costs, sources);
  return costs;
}

function costOne(record: SubmissionRecord, sources: CostSources): SubmissionCost {
  const path = pathOf(record, sources.ledger);
  const requests = sources.ledger.requestsByTrace(record.traceId);
  // A job of its own: tasks, deliveries and events are its own (a dedup answer's job is someone else's).
  const ownJob =
    (path === "cacheMiss" || path === "singleFlight" || path === "cacheHit") && record.jobId !== null;
  const deliveries = ownJob && record.jobId !== null ? sources.ledger.deliveriesByJob(record.jobId) : [];
  const sum = <T>(list: readonly T[], f: (t: T) => number) => list.reduce((s, t) => s + f(t), 0);
  const taskNames = new Set(deliveries.map((d) => d.taskName ?? `attempt-${d.attempt ?? "?"}`));
  const logged = requests.length > 0;
  const submits = requests.filter((r) => r.route.startsWith("POST "));
  const polls = requests.filter((r) => !r.route.startsWith("POST "));
  return {
    path,
    record,
    ops: {
      firestoreReads:
        sum(submits, (r) => r.firestore?.reads ?? 0) + sum(deliveries, (d) => d.firestore?.reads ?? 0),
      clientReads: sum(polls, (r) => r.firestore?.reads ?? 0),
      firestoreWrites:
        sum(requests, (r) => r.firestore?.writes ?? 0) + sum(deliveries, (d) => d.firestore?.writes ?? 0),
      firestoreDeletes:
        sum(requests, (r) => r.firestore?.deletes ?? 0) + sum(deliveries, (d) => d.firestore?.deletes ?? 0),
      tasks: taskNames.size,
      pixellabCalls: 0,
      pubsubMessages: ownJob && record.jobId !== null ? (sources.events.get(record.jobId) ?? 0) : 0,
      // Without the api's log lines, the client's own count and round trips stand in.
      apiRequests: logged ? requests.length : record.clientRequests,
      apiMs: logged ? sum(requests, (r) => r.durationMs) : record.clientRequestMs,
      handlerDeliveries: deliveries.length,
      handlerMs: sum(deliveries, (d) => d.durationMs),
    },
    handlerOverheadMs: deliveries
      .filter((d) => d.outcome === "completed" && d.pixellabMs !== null)
      .map((d) => d.durationMs - (d.pixellabMs ?? 0)),
  };
}

/**
 * Identical requests share a tag, so a tag's PixelLab calls are split over the jobs that could have
 * made them: the generating jobs of that request; if none, the single-flight ones; if none, whoever
 * else submitted it (which would show a cache hit or dedup answer that still cost a call).
 */
function attributePixelLabCalls(costs: SubmissionCost[], sources: CostSources) {
  const byTag = new Map<string, SubmissionCost[]>();
  for (const cost of costs) {
    if (cost.path === "rejected") continue;
    const list = byTag.get(cost.record.tag) ?? [];
    list.push(cost);
    byTag.set(cost.record.tag, list);
  }
  for (const [tag, list] of byTag) {
    const calls = sources.pixellabCallsByTag(tag);
    if (calls === 0) continue;
    const generating = list.filter((c) => c.path === "cacheMiss");
    const sharing = list.filter((c) => c.path === "singleFlight");
    const payers = generating.length > 0 ? generating : sharing.length > 0 ? sharing : list;
    for (const payer of payers) payer.ops.pixellabCalls += calls / payers.length;
  }
}

export const emptyTotals = (): PathTotals => ({
  jobs: 0,
  firestoreReads: 0,
  clientReads: 0,
  firestoreWrites: 0,
  firestoreDeletes: 0,
  tasks: 0,
  pixellabCalls: 0,
  pubsubMessages: 0,
  apiRequests: 0,
  apiMs: 0,
  handlerDeliveries: 0,
  handlerMs: 0,
  storedBytes: 0,
});

/** Sums of each path's costs; `storedBytes` per path comes from `storedBytesPerJob`. */
export function totalsByPath(
  costs: readonly SubmissionCost[],
  storedBytesPerJob: Readonly<Record<PathName, number>>,
): Record<PathName, PathTotals> {
  const totals = Object.fromEntries(PATHS.map((p) => [p, emptyTotals()])) as Record<PathName, PathTotals>;
  for (const cost of costs) {
    const t = totals[cost.path];
    t.jobs += 1;
    for (const [field, value] of Object.entries(cost.ops)) t[field as keyof typeof cost.ops] += value;
    t.storedBytes += storedBytesPerJob[cost.path];
  }
  return totals;
}

export function addTotals(a: PathTotals, b: PathTotals): PathTotals {
  const sum = emptyTotals();
  for (const field of Object.keys(sum) as (keyof PathTotals)[]) sum[field] = a[field] + b[field];
  return sum;
}

/** Averages per job, rounded for reading (0.01, whole ms and bytes). */
export function averages(t: PathTotals): PathOps {
  const per = (v: number, digits = 2) => (t.jobs === 0 ? 0 : Number((v / t.jobs).toFixed(digits)));
  return {
    jobs: t.jobs,
    firestoreReads: per(t.firestoreReads),
    clientReads: per(t.clientReads),
    firestoreWrites: per(t.firestoreWrites),
    firestoreDeletes: per(t.firestoreDeletes),
    tasks: per(t.tasks),
    pixellabCalls: per(t.pixellabCalls),
    pubsubMessages: per(t.pubsubMessages),
    apiRequests: per(t.apiRequests),
    apiMs: per(t.apiMs, 1),
    handlerDeliveries: per(t.handlerDeliveries),
    handlerMs: per(t.handlerMs, 1),
    storedBytes: per(t.storedBytes, 0),
  };
}
