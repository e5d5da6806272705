import { isTerminal } from "../job-state.ts";
import type { Job } from "../store/job-document.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Records what a committed lifecycle decision did to a job, from the job before and after it (the
 * one place every status change passes, `lifecycle/carry-out.ts`): the first attempt's start (wait),
 * an attempt's end (by outcome), each new attempt error (by type), and the job's end (finished by
 * status, processing and end-to-end times). Decisions that change nothing of these (progress, a
 * PixelLab job id, a cancel request on a running job) record nothing. Durations are in seconds,
 * from the job's own timestamps, so they do not depend on which instance decided.
 */
export function recordDecision(metrics: Metrics, before: Job, after: Job): void {
  const operation = after.operation;
  if (before.startedAt === null && after.startedAt !== null) {
    metrics.observe("jobWait", { operation }, seconds(after.startedAt - after.createdAt));
  }
  const outcome = attemptOutcome(before, after);
  if (outcome !== undefined) metrics.add("attempts", { operation, outcome });
  // Each attempt error joins the history once (a replay empties it, which adds none).
  for (const error of after.attemptErrors.slice(before.attemptErrors.length)) {
    metrics.add("pixellabErrors", { type: error.type });
  }
  if (!isTerminal(before.status) && isTerminal(after.status) && after.finishedAt !== null) {
    metrics.add("jobsFinished", { operation, status: after.status });
    if (after.startedAt !== null) {
      metrics.observe("jobProcessing", { operation }, seconds(after.finishedAt - after.startedAt));
    }
    metrics.observe(
      "jobEndToEnd",
      { operation, cached: "false" },
      seconds(after.finishedAt - after.createdAt),
    );
  }
}

/**
 * How the attempt that held `before` ended, if this decision ended it: the job left processing, or
 * another attempt took it over (an expired lease settled and claimed in one decision). An attempt
 * whose lease had run out by the time of the decision (`updatedAt` is the decision's time) lost it:
 * the settlement of a crashed or stalled holder. Its job may be requeued or failed by that; cancelled
 * stays cancelled, since the user asked.
 */
export function attemptOutcome(before: Job, after: Job): string | undefined {
  if (before.status !== "processing") return undefined;
  if (after.status === "processing" && after.leaseId === before.leaseId) return undefined;
  if (after.status === "cancelled") return "cancelled";
  const lapsed = before.leaseExpiresAt !== null && before.leaseExpiresAt <= after.updatedAt;
  if (lapsed) return "lease-lost";
  switch (after.status) {
    case "completed":
      return "completed";
    case "failed":
      return "failed";
    case "queued":
      return "retry-scheduled";
    case "processing":
      return "lease-lost";
  }
}

const seconds = (ms: number) => Math.max(0, ms / 1000);
