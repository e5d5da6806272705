import type { Deps } from "../deps.ts";
import type { Metrics } from "./metrics.ts";

/**
 * The queue-wide gauges at one moment, computed from shared state (never summed from instances):
 * what `GET /metrics` on `api` serves when scraped, what the sweeper records once per run, and what
 * the operator page shows (through the admin route).
 */
export interface QueueGauges {
  /** When they were read, ms since the epoch. */
  at: number;
  /** Active jobs by status; `queued` leaves out jobs waiting for a scheduled retry (`retry-wait`). */
  jobs: { queued: number; "retry-wait": number; processing: number };
  /** Age of the oldest job waiting for its first attempt, in seconds; 0 when none waits. */
  oldestQueuedAgeSeconds: number;
  /** Entries in the dead-letter queue. */
  deadLetters: number;
  /** Users with at least one queued or processing job (each such job holds one of its user's slots). */
  activeUsers: number;
}

/**
 * Most slot documents read for the active users: one per active job, so at most QUEUE_CAPACITY once
 * admissions settle (one over capacity is undone at once), plus slots leaked by a crash until the
 * sweeper frees them. Twice the capacity leaves that room while a pathological leak still costs a
 * bounded number of reads per scrape (1,000 at the default capacity of 500).
 */
export const slotReadLimit = (queueCapacity: number): number => 2 * queueCapacity;

/**
 * Reads the gauges from the store at `now` (ms). Operations: 5 reads up to 1,000 entries per count,
 * plus one per slot document (see {@link slotReadLimit}); about 5 + active jobs in all.
 */
export async function readQueueGauges(
  deps: Pick<Deps, "store" | "config">,
  now: number,
): Promise<QueueGauges> {
  const counts = await deps.store.queueCounts(now, slotReadLimit(deps.config.limits.queueCapacity));
  // Two counts taken a moment apart: a retry that became due in between must not make this negative.
  const queued = Math.max(0, counts.queued - counts.retryWait);
  const since = counts.oldestWaitingSince;
  return {
    at: now,
    jobs: { queued, "retry-wait": counts.retryWait, processing: counts.processing },
    oldestQueuedAgeSeconds: since === null ? 0 : Math.max(0, (now - since) / 1000),
    deadLetters: counts.deadLetters,
    activeUsers: counts.activeUsers,
  };
}

/** Active jobs (queued, waiting for a retry, or processing) in `gauges`. */
export function activeJobsOf(gauges: QueueGauges): number {
  return gauges.jobs.queued + gauges.jobs["retry-wait"] + gauges.jobs.processing;
}

/** Records `gauges` as the queue-wide gauges of `metrics` (definitions in `metric-definitions.ts`). */
export function recordQueueGauges(metrics: Metrics, gauges: QueueGauges): void {
  for (const [status, count] of Object.entries(gauges.jobs)) metrics.set("jobs", { status }, count);
  metrics.set("oldestQueuedAge", {}, gauges.oldestQueuedAgeSeconds);
  metrics.set("deadLetters", {}, gauges.deadLetters);
  metrics.set("activeUsers", {}, gauges.activeUsers);
}
