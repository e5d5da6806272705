/**
 * The whole calculation `npm run cost` prints: every path's cost lines, the instance time spent
 * waiting on PixelLab, and the assumptions behind them in words. Pure: inputs in, report out.
 */
import type { BenchOperations } from "./bench-report.ts";
import type { CostOptions } from "./cost-options.ts";
import {
  pathCost,
  PATHS,
  redisMonthlyUsd,
  type Assumptions,
  type Deployment,
  type PathCost,
  type PathName,
  type PathOps,
} from "./cost-model.ts";
import type { PriceTable } from "./prices.ts";
import type { TerraformSizing } from "./terraform-sizing.ts";

/**
 * One event's size as Pub/Sub counts it, bytes: a JSON body of about 250 bytes (type, ids, ISO time,
 * a few facts), three attributes, the message id and timestamp. Below the 1,000-byte minimum, so
 * the exact figure does not change the bill.
 */
export const EVENT_BYTES = 400;

export interface CostReport {
  source: string;
  prices: PriceTable;
  deployment: Deployment;
  /**
   * Deliveries sharing one processJob instance: its concurrency, but never more than the queue runs
   * at once (TASKS_MAX_CONCURRENT), since no instance can hold deliveries that do not exist.
   */
  processJobSharing: { configured: number; tasksMaxConcurrent: number; effective: number };
  assumptions: Assumptions;
  measured: Record<PathName, PathOps>;
  paths: Record<PathName, PathCost>;
  /** Memorystore's monthly price, USD, whether or not it is counted. */
  redisMonthlyUsd: number;
  notes: string[];
}

export function buildCostReport(
  bench: BenchOperations,
  sizing: TerraformSizing,
  options: CostOptions,
  prices: PriceTable,
): CostReport {
  const configured = options.processJobConcurrency ?? sizing.processJob.concurrency;
  const tasksMaxConcurrent = options.tasksMaxConcurrent ?? sizing.tasksMaxConcurrent;
  const sharing = { configured, tasksMaxConcurrent, effective: Math.min(configured, tasksMaxConcurrent) };
  const deployment: Deployment = {
    api: sizing.api,
    processJob: { ...sizing.processJob, concurrency: sharing.effective },
    redis: (options.redis ?? sizing.enableRedis) ? sizing.redis : undefined,
  };
  const assumptions: Assumptions = {
    pixellabLatencyMs: options.pixellabLatencyMs ?? sizing.expectedJobMs,
    benchPixellabLatencyMs: bench.benchPixellabLatencyMs,
    retentionDays: options.retentionDays ?? sizing.cacheTtlDays,
    eventConsumers: options.eventConsumers,
    eventBytes: EVENT_BYTES,
    jobsPerMonth: options.jobsPerMonth,
    applyFreeTiers: options.freeTier,
    pixellabUsdPerCall: options.pixellabUsdPerCall,
  };
  const paths = Object.fromEntries(
    PATHS.map((p) => [p, pathCost(bench.operations[p], prices, deployment, assumptions)]),
  ) as Record<PathName, PathCost>;
  const core = {
    source: bench.file,
    prices,
    deployment,
    processJobSharing: sharing,
    assumptions,
    measured: bench.operations,
    paths,
    redisMonthlyUsd: redisMonthlyUsd(sizing.redis, prices),
  };
  const latencySource = options.pixellabLatencyMs === undefined ? "EXPECTED_JOB_MS" : "--pixellab-latency-ms";
  return { ...core, notes: notes(core, sizing, latencySource) };
}

/** The assumptions in words, in the order a reader checks them. */
function notes(r: Omit<CostReport, "notes">, sizing: TerraformSizing, latencySource: string): string[] {
  const redisUsd = r.redisMonthlyUsd;
  const { configured, tasksMaxConcurrent, effective } = r.processJobSharing;
  const capped =
    configured > effective
      ? ` (process_job_concurrency ${configured}, capped by TASKS_MAX_CONCURRENT ${tasksMaxConcurrent})`
      : "";
  const a = r.assumptions;
  const { api, processJob } = r.deployment;
  const size = (s: typeof api) =>
    `${s.vcpu} vCPU, ${+s.memoryGiB.toFixed(3)} GiB, ${s.concurrency} requests at once`;
  const perMonth = a.jobsPerMonth.toLocaleString("en-US");
  return [
    `Prices: Google Cloud list prices, ${r.prices.region}, as published ${r.prices.asOf}: ${r.prices.asOfNote}. Each price's source URL is in tests/tools/cost/prices.ts and --json. ${a.applyFreeTiers ? `Monthly free tiers subtracted as if all ${perMonth} jobs a month took this path.` : "Free tiers not applied (Firestore 50k reads/20k writes/20k deletes a day and 1 GiB; Cloud Tasks 1M operations; Pub/Sub 10 GiB; Cloud Run 2M requests, 180k vCPU-s, 360k GiB-s a month): --free-tier subtracts them."}`,
    `Sizes (terraform defaults unless a flag said otherwise): api ${size(api)}; processJob ${size(processJob)}${capped}. Instance time = request time ÷ concurrency, so it assumes busy instances; at low traffic an instance runs fewer requests at once and costs up to concurrency× more per job.`,
    `PixelLab: ${a.pixellabLatencyMs.toLocaleString("en-US")} ms a call (${latencySource}; the workspace's PixelLab reference, pixellab-api.md, publishes no latency for the sync endpoints, gives 15-30 s to 30-180 s for background jobs, and third-party clients time out at 55-120 s), replacing the offline server's ${+a.benchPixellabLatencyMs.toFixed(1)} ms in the measured handler time.`,
    `PixelLab's fees are not in the reference: calls report usage as usd, generations or credits (the v1 spec's example says usd 0.01; subscription accounts are charged 1 generation a call). ${a.pixellabUsdPerCall === undefined ? "Only calls per job are shown; --pixellab-usd-per-call prices them." : `Priced at $${a.pixellabUsdPerCall} a call, apart from the Google Cloud total.`}`,
    `Storage: the bytes a job keeps (job document + cache entry), for ${a.retentionDays} days (cache_ttl_days; the TTL policy deletes within about a day after). Job documents have no TTL: each further month one stays costs up to that line again. Index entries are not counted.`,
    `Cloud Tasks: one operation per task created and per delivery attempt (each task is well under 32 KiB). Pub/Sub: each event published in its own request, billed at least 1,000 bytes, delivered to ${a.eventConsumers} subscription(s).`,
    `Memorystore: ${r.deployment.redis === undefined ? `off (enable_redis = ${sizing.enableRedis}); with --redis` : "on:"} ${sizing.redis.memoryGb} GB Basic + ${sizing.redis.connectorInstances} e2-micro connector instances = $${redisUsd.toFixed(2)} a month, $${((redisUsd / a.jobsPerMonth) * 1e6).toFixed(2)} per million jobs at ${perMonth} jobs a month.`,
    "Not counted: following a job beyond the benchmark's own polls (its api requests include them; a Firestore listener reads once per change; a long-poll holds an api request up to 25 s), the minute sweeper, Cloud Logging, internet egress of results, TTL deletes ($0.01 per 100k), Artifact Registry and Secret Manager.",
    `Source: ${r.source}. The benchmark runs on emulators: its times are the emulator's, not production's.`,
  ];
}
