/**
 * Dollars per million jobs on one path (cache miss, cache hit, dedup hit) from the operations the
 * benchmark measured per job, a price table and the deployment's sizes. Pure: no files, no clock.
 */
import {
  DAYS_PER_MONTH,
  GIB,
  HOURS_PER_MONTH,
  priced,
  type FreeTier,
  type Price,
  type PriceTable,
} from "./prices.ts";

/** What the benchmark measured on one path, each an average per job (bench `report.operations`). */
export type { PathOps } from "../bench/accounting.ts";
import type { PathOps } from "../bench/accounting.ts";

export const PATHS = ["cacheMiss", "cacheHit", "dedup"] as const;
export type PathName = (typeof PATHS)[number];

/** One function as deployed: vCPUs and GiB of one instance, requests it serves at once. */
export interface FunctionSize {
  vcpu: number;
  memoryGiB: number;
  concurrency: number;
}

export interface Deployment {
  api: FunctionSize;
  processJob: FunctionSize;
  /** Memorystore (GB, Basic tier) and its VPC connector's e2-micro instances; undefined when off. */
  redis: { memoryGb: number; connectorInstances: number } | undefined;
}

export interface Assumptions {
  /** PixelLab's time per call in production, ms. */
  pixellabLatencyMs: number;
  /** What one call to the benchmark's offline PixelLab took, ms; replaced by the figure above. */
  benchPixellabLatencyMs: number;
  /** How long a job's stored bytes are kept, days. */
  retentionDays: number;
  /** Subscriptions every event is delivered to (each delivery is billed like the publish). */
  eventConsumers: number;
  /** One event's size as Pub/Sub counts it, bytes (billed at least the per-request minimum). */
  eventBytes: number;
  /** Jobs a month: spreads Memorystore's fixed price, and sizes free tiers when applied. */
  jobsPerMonth: number;
  /** Subtract monthly free tiers, as if every job of the month were on this path. */
  applyFreeTiers: boolean;
  /** PixelLab's fee per call, USD, when known; the reference gives no price list. */
  pixellabUsdPerCall: number | undefined;
}

export type CostLineId =
  | "firestoreReads"
  | "firestoreWrites"
  | "firestoreDeletes"
  | "firestoreStorage"
  | "cloudTasks"
  | "pubsub"
  | "runRequests"
  | "apiCompute"
  | "processJobCompute"
  | "memorystore";

/** One line of the bill: `quantity` `unit` per job (before free tiers) and its dollars per million jobs. */
export interface CostLine {
  id: CostLineId;
  label: string;
  quantity: number;
  unit: string;
  usdPerMillionJobs: number;
}

/** Billed instance time per job, seconds: a request's time divided by the instance's concurrency. */
export interface InstanceSeconds {
  api: number;
  processJob: number;
  /** The part of processJob's that is waiting on PixelLab, at the configured concurrency… */
  pixellabWait: number;
  /** …and what it would be with one delivery per instance. */
  pixellabWaitAlone: number;
}

export interface PathCost {
  lines: CostLine[];
  /** Google Cloud only; PixelLab's fees are apart. */
  totalUsdPerMillionJobs: number;
  instanceSeconds: InstanceSeconds;
  pixellab: { callsPerJob: number; usdPerMillionJobs: number | undefined };
}

const MILLION = 1_000_000;

/** Per-job units still billed once the monthly free tier is used up, spread over the month's jobs. */
export function afterFreeTier(perJob: number, free: FreeTier, a: Assumptions): number {
  if (!a.applyFreeTiers) return perJob;
  return Math.max(0, perJob * a.jobsPerMonth - free.perMonth) / a.jobsPerMonth;
}

/** processJob's time per job in production, ms: its own work plus PixelLab's real latency. */
export function projectedHandlerMs(ops: PathOps, a: Assumptions): number {
  const ownMs = Math.max(0, ops.handlerMs - ops.pixellabCalls * a.benchPixellabLatencyMs);
  return ownMs + ops.pixellabCalls * a.pixellabLatencyMs;
}

export function instanceSeconds(ops: PathOps, d: Deployment, a: Assumptions): InstanceSeconds {
  const waitS = (ops.pixellabCalls * a.pixellabLatencyMs) / 1000;
  return {
    api: ops.apiMs / 1000 / d.api.concurrency,
    processJob: projectedHandlerMs(ops, a) / 1000 / d.processJob.concurrency,
    pixellabWait: waitS / d.processJob.concurrency,
    pixellabWaitAlone: waitS,
  };
}

/** Memorystore's and its VPC connector's fixed monthly price, USD. */
export function redisMonthlyUsd(redis: NonNullable<Deployment["redis"]>, prices: PriceTable): number {
  const cache = priced(redis.memoryGb * HOURS_PER_MONTH, prices.memorystore.basicM1);
  const connector = priced(redis.connectorInstances * HOURS_PER_MONTH, prices.vpcConnector.e2Micro);
  return cache + connector;
}

/** Every cost line of one path, its total, its instance time and PixelLab's share. */
export function pathCost(ops: PathOps, prices: PriceTable, d: Deployment, a: Assumptions): PathCost {
  const seconds = instanceSeconds(ops, d, a);
  const lines = [...firestoreLines(ops, prices, a), ...messagingLines(ops, prices, a)];
  lines.push(...computeLines(seconds, prices, d, a));
  if (d.redis !== undefined) {
    const usd = redisMonthlyUsd(d.redis, prices) / a.jobsPerMonth;
    lines.push(line("memorystore", 1 / a.jobsPerMonth, usd));
  }
  const fee = a.pixellabUsdPerCall;
  return {
    lines,
    totalUsdPerMillionJobs: lines.reduce((sum, l) => sum + l.usdPerMillionJobs, 0),
    instanceSeconds: seconds,
    pixellab: {
      callsPerJob: ops.pixellabCalls,
      usdPerMillionJobs: fee === undefined ? undefined : ops.pixellabCalls * fee * MILLION,
    },
  };
}

/** Each line's label and the unit of its quantity. */
const LINES: Record<CostLineId, { label: string; unit: string }> = {
  firestoreReads: { label: "Firestore reads", unit: "reads" },
  firestoreWrites: { label: "Firestore writes", unit: "writes" },
  firestoreDeletes: { label: "Firestore deletes", unit: "deletes" },
  firestoreStorage: { label: "Firestore storage", unit: "GiB-months" },
  cloudTasks: { label: "Cloud Tasks", unit: "operations" },
  pubsub: { label: "Pub/Sub", unit: "billed bytes" },
  runRequests: { label: "Cloud Run requests", unit: "requests" },
  apiCompute: { label: "api instance time", unit: "instance-seconds" },
  processJobCompute: { label: "processJob instance time", unit: "instance-seconds" },
  memorystore: { label: "Memorystore + VPC connector", unit: "months" },
};

function line(id: CostLineId, quantity: number, usdPerJob: number): CostLine {
  return { id, ...LINES[id], quantity, usdPerMillionJobs: usdPerJob * MILLION };
}

/** A line billed per unit at `price`, after the free tier when free tiers are applied. */
function billedLine(
  id: CostLineId,
  quantity: number,
  free: FreeTier,
  price: Price,
  a: Assumptions,
): CostLine {
  return line(id, quantity, priced(afterFreeTier(quantity, free, a), price));
}

function firestoreLines(ops: PathOps, prices: PriceTable, a: Assumptions): CostLine[] {
  const { free, ...fs } = prices.firestore;
  const gibMonths = (ops.storedBytes / GIB) * (a.retentionDays / DAYS_PER_MONTH);
  return [
    billedLine("firestoreReads", ops.firestoreReads + ops.clientReads, free.reads, fs.reads, a),
    billedLine("firestoreWrites", ops.firestoreWrites, free.writes, fs.writes, a),
    billedLine("firestoreDeletes", ops.firestoreDeletes, free.deletes, fs.deletes, a),
    billedLine("firestoreStorage", gibMonths, free.storage, fs.storage, a),
  ];
}

/** Cloud Tasks (each task created and each delivery attempt), Pub/Sub and Cloud Run requests. */
function messagingLines(ops: PathOps, prices: PriceTable, a: Assumptions): CostLine[] {
  const { cloudTasks, pubsub, cloudRun } = prices;
  const billedEventBytes = Math.max(a.eventBytes, pubsub.minBytesPerRequest);
  const pubsubBytes = ops.pubsubMessages * billedEventBytes * (1 + a.eventConsumers);
  const taskOps = ops.tasks + ops.handlerDeliveries;
  const requests = ops.apiRequests + ops.handlerDeliveries;
  return [
    billedLine("cloudTasks", taskOps, cloudTasks.free, cloudTasks.operations, a),
    billedLine("pubsub", pubsubBytes, pubsub.free, pubsub.throughput, a),
    billedLine("runRequests", requests, cloudRun.free.requests, cloudRun.requests, a),
  ];
}

/**
 * Instance time of the api and processJob, in vCPU-seconds and GiB-seconds. Free tiers cover both
 * functions together (they are per billing account), so each keeps its share of what is billed.
 */
function computeLines(s: InstanceSeconds, prices: PriceTable, d: Deployment, a: Assumptions): CostLine[] {
  const { cloudRun } = prices;
  const vcpuS = { api: s.api * d.api.vcpu, job: s.processJob * d.processJob.vcpu };
  const gibS = { api: s.api * d.api.memoryGiB, job: s.processJob * d.processJob.memoryGiB };
  const billedShare = (total: number, free: FreeTier) =>
    total === 0 ? 1 : afterFreeTier(total, free, a) / total;
  const vcpuShare = billedShare(vcpuS.api + vcpuS.job, cloudRun.free.vcpu);
  const gibShare = billedShare(gibS.api + gibS.job, cloudRun.free.memory);
  const usd = (v: number, g: number) =>
    priced(v * vcpuShare, cloudRun.vcpu) + priced(g * gibShare, cloudRun.memory);
  return [
    line("apiCompute", s.api, usd(vcpuS.api, gibS.api)),
    line("processJobCompute", s.processJob, usd(vcpuS.job, gibS.job)),
  ];
}
