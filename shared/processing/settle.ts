import type { Deps } from "../deps.ts";
import type { JobErrorRecord } from "../job-state.ts";
import { carryOut } from "../lifecycle/carry-out.ts";
import type { JobChange } from "../lifecycle/job-change.ts";
import type { HeldJob } from "./held-job.ts";

export type ProcessOutcome =
  | { kind: "skipped"; reason: string }
  | { kind: "completed"; jobId: string }
  | { kind: "retry-scheduled"; jobId: string; nextAttempt: number; delayMs: number; error: JobErrorRecord }
  | { kind: "failed"; jobId: string; error: JobErrorRecord }
  | { kind: "cancelled"; jobId: string }
  | { kind: "lease-lost"; jobId: string }
  /** A batch delivery waiting for interactive jobs (`batch-yield.ts`): answered 503 with Retry-After. */
  | { kind: "deferred"; jobId: string; retryAfterSeconds: number };

/**
 * Ends an attempt: one atomic write applies the lifecycle decision for `change` (the result, the
 * failure, the cancel) on the version the attempt last saw, without reading it again unless someone
 * else wrote it meanwhile; then its task and events go out. A refusal means another attempt took the
 * job over (or it ended meanwhile): this attempt's outcome is dropped.
 */
export async function settle(deps: Deps, held: HeldJob, change: JobChange): Promise<ProcessOutcome> {
  const job = held.current();
  const now = deps.clock.now();
  const applied = await held.apply(change);
  if (!applied.ok) return { kind: "lease-lost", jobId: job.id };
  const after = applied.decision.job;
  // If the retry's enqueue fails this throws and the handler answers 5xx; the sweeper also finds
  // the queued job without a task.
  await carryOut(deps, applied);
  switch (after.status) {
    case "completed":
      return { kind: "completed", jobId: job.id };
    case "cancelled":
      return { kind: "cancelled", jobId: job.id };
    case "queued":
      return {
        kind: "retry-scheduled",
        jobId: job.id,
        nextAttempt: after.attempts + 1,
        delayMs: (after.nextAttemptAt ?? now) - now,
        error: after.error as JobErrorRecord,
      };
    case "failed":
      return { kind: "failed", jobId: job.id, error: after.error as JobErrorRecord };
    case "processing":
      return { kind: "lease-lost", jobId: job.id }; // not reached: every ending leaves processing
  }
}
