import { leaseMs } from "../deadlines.ts";
import type { Job } from "../store/job-document.ts";
import { transitionJob } from "../store/job-transitions.ts";
import { settleExpiredLease } from "./expired-lease.ts";
import type { ProcessDeps } from "./process-deps.ts";
import type { TaskPayload } from "./task-payload.ts";

export type ClaimOutcome =
  | { kind: "claimed"; job: Job; leaseId: string }
  /** Nothing to do for this delivery; Cloud Tasks should stop (2xx). */
  | { kind: "skip"; reason: string };

/**
 * Takes the job for this delivery, in a Firestore transaction on `jobs/{id}` (1 read, 1 write):
 * a queued job becomes processing under a new lease with one more attempt. A job that is terminal,
 * processing under someone else's live lease, or waiting for a later retry task is left alone:
 * Cloud Tasks delivers at least once, and this is where duplicates stop. A lease that expired (its
 * holder crashed) is first settled like the sweeper does (`settleExpiredLease`), then claimed.
 */
export async function claimJob(deps: ProcessDeps, payload: TaskPayload): Promise<ClaimOutcome> {
  const leaseId = deps.newLeaseId();
  const tryClaim = (now: number) =>
    transitionJob(deps.firestore, payload.jobId, now, (job) =>
      leaseExpired(job, now) ? undefined : claimPlan(job, payload, leaseId, now),
    );
  let now = deps.clock.now();
  let attempt = await tryClaim(now);
  if (!attempt.ok && attempt.job !== undefined && leaseExpired(attempt.job, now)) {
    // Its holder is gone: settle the lost attempt exactly as the sweeper would, then claim.
    const settled = await settleExpiredLease(deps, payload.jobId, now, "handler");
    if (settled.fix !== "requeued") return { kind: "skip", reason: `lease expired; job ${settled.fix}` };
    now = deps.clock.now();
    attempt = await tryClaim(now);
  }
  if (!attempt.ok)
    return { kind: "skip", reason: attempt.reason === "skipped" ? "stale delivery" : attempt.message };
  return { kind: "claimed", job: attempt.after, leaseId };
}

function leaseExpired(job: Job, now: number): boolean {
  return job.status === "processing" && job.leaseExpiresAt !== null && job.leaseExpiresAt <= now;
}

function claimPlan(job: Job, payload: TaskPayload, leaseId: string, now: number) {
  // A redelivery of an earlier attempt's task while the job waits for its scheduled retry: that
  // retry's own task (attempt + 1) will come; taking the job now would ignore the backoff and
  // PixelLab's Retry-After. (After an expired lease `nextAttemptAt` is now, so redelivery may claim.)
  const waiting = job.nextAttemptAt !== null && job.nextAttemptAt > now;
  if (job.status === "queued" && waiting && payload.attempt <= job.attempts) return undefined;
  return { event: { type: "claim" as const, leaseId, leaseMs: leaseMs(job.timeoutMs) } };
}
