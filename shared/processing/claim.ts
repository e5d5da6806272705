import { leaseMs } from "../deadlines.ts";
import type { Job } from "../store/job-document.ts";
import { transitionJob } from "../store/job-transitions.ts";
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
 * holder crashed) is first released (`lease-expired`), then claimed.
 */
export async function claimJob(deps: ProcessDeps, payload: TaskPayload): Promise<ClaimOutcome> {
  const leaseId = deps.newLeaseId();
  const now = deps.clock.now();
  const attempt = await transitionJob(deps.firestore, payload.jobId, now, (job) => {
    if (job.status === "processing" && job.leaseExpiresAt !== null && job.leaseExpiresAt <= now) {
      return { event: { type: "lease-expired" } };
    }
    return claimPlan(job, payload, leaseId, now);
  });
  if (!attempt.ok)
    return { kind: "skip", reason: attempt.reason === "skipped" ? "stale delivery" : attempt.message };
  if (attempt.after.status === "processing") return { kind: "claimed", job: attempt.after, leaseId };
  if (attempt.after.status !== "queued")
    return { kind: "skip", reason: `lease expired; job ${attempt.after.status}` };
  // The expired lease was released; claim in a second transaction.
  const retried = await transitionJob(deps.firestore, payload.jobId, deps.clock.now(), (job) =>
    claimPlan(job, payload, leaseId, deps.clock.now()),
  );
  return retried.ok
    ? { kind: "claimed", job: retried.after, leaseId }
    : { kind: "skip", reason: retried.message };
}

function claimPlan(job: Job, payload: TaskPayload, leaseId: string, now: number) {
  // A redelivery of an earlier attempt's task while the job waits for its scheduled retry: that
  // retry's own task (attempt + 1) will come; taking the job now would ignore the backoff and
  // PixelLab's Retry-After. (After an expired lease `nextAttemptAt` is now, so redelivery may claim.)
  const waiting = job.nextAttemptAt !== null && job.nextAttemptAt > now;
  if (job.status === "queued" && waiting && payload.attempt <= job.attempts) return undefined;
  return { event: { type: "claim" as const, leaseId, leaseMs: leaseMs(job.timeoutMs) } };
}
