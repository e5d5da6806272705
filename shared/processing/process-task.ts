import { attemptBudgetMs } from "../deadlines.ts";
import { JobError } from "../errors.ts";
import type { Job } from "../store/job-document.ts";
import { releaseLease } from "../store/lease.ts";
import { watchAttempt, type AttemptSignal } from "./attempt-signal.ts";
import { claimJob } from "./claim.ts";
import { cancelAttempt, completeJob, failAttempt, type ProcessOutcome } from "./finish.ts";
import { runGeneration } from "./generate.ts";
import type { ProcessDeps } from "./process-deps.ts";
import { createProgressReporter } from "./progress-reporter.ts";
import type { TaskPayload } from "./task-payload.ts";

export type { ProcessOutcome } from "./finish.ts";

/**
 * Handles one Cloud Tasks delivery: claim the job under a lease, run PixelLab with the job's time
 * budget, then store the outcome. Every expected outcome (done, retry scheduled, failed, cancelled,
 * duplicate delivery) resolves, and the caller answers 2xx; only unexpected trouble (Firestore down,
 * a bug) rejects, so that Cloud Tasks delivers again and the lease decides what the retry may do.
 *
 * `delivery` aborts when Cloud Tasks gives up on this request (its dispatch deadline passed).
 */
export async function processTask(
  deps: ProcessDeps,
  payload: TaskPayload,
  delivery: AbortSignal,
): Promise<ProcessOutcome> {
  const claim = await claimJob(deps, payload);
  if (claim.kind === "skip") {
    deps.logger.info(
      { jobId: payload.jobId, attempt: payload.attempt, reason: claim.reason },
      "delivery skipped",
    );
    return { kind: "skipped", reason: claim.reason };
  }
  const { job, leaseId } = claim;
  const log = deps.logger.child({ jobId: job.id, userId: job.userId, attempt: job.attempts });
  await deps.events.publish({
    type: "job.started",
    jobId: job.id,
    userId: job.userId,
    operation: job.operation,
    at: deps.clock.now(),
    data: { attempt: job.attempts, waitMs: deps.clock.now() - job.createdAt },
  });
  log.debug({ leaseId, budgetMs: attemptBudgetMs(job.timeoutMs) }, "attempt started");
  const attempt = watchAttempt(deps.firestore, job.id, leaseId, attemptBudgetMs(job.timeoutMs));
  const onAbandoned = () => {
    log.warn("Cloud Tasks closed the delivery; stopping the attempt");
    attempt.stop("delivery-abandoned");
  };
  delivery.addEventListener("abort", onAbandoned);
  try {
    const outcome = await attemptOnce(deps, job, leaseId, attempt);
    log.info({ outcome: outcome.kind }, "attempt finished");
    return outcome;
  } catch (error) {
    // Unexpected trouble: give the lease back so Cloud Tasks' redelivery can take the job at once
    // instead of waiting for the lease to run out (the attempt still counts).
    log.error({ err: error }, "attempt crashed; releasing the lease");
    await releaseLease(deps.firestore, job.id, leaseId, deps.clock.now()).catch(() => undefined);
    throw error;
  } finally {
    delivery.removeEventListener("abort", onAbandoned);
    attempt.close();
  }
}

async function attemptOnce(
  deps: ProcessDeps,
  job: Job,
  leaseId: string,
  attempt: AttemptSignal,
): Promise<ProcessOutcome> {
  const reporter = createProgressReporter(deps, job.id, leaseId, () => attempt.stop("lease-lost"));
  if (job.cancelRequested) return cancelAttempt(deps, job, leaseId);
  void reporter.stage("generating");
  let result;
  try {
    result = await runGeneration(deps, job, leaseId, attempt, reporter);
  } catch (error) {
    await reporter.flush();
    return settleStopped(deps, job, leaseId, attempt, error);
  }
  await reporter.stage("storing");
  // Checked again just before storing: a cancel that arrived during the call wins over its result.
  if (attempt.reason() === "cancel-requested") return cancelAttempt(deps, job, leaseId);
  if (attempt.reason() === "lease-lost") return { kind: "lease-lost", jobId: job.id };
  return completeJob(deps, job, leaseId, result);
}

/** Decides what a failed or stopped attempt means. */
async function settleStopped(
  deps: ProcessDeps,
  job: Job,
  leaseId: string,
  attempt: AttemptSignal,
  error: unknown,
): Promise<ProcessOutcome> {
  switch (attempt.reason()) {
    case "cancel-requested":
      return cancelAttempt(deps, job, leaseId);
    case "lease-lost":
      return { kind: "lease-lost", jobId: job.id };
    case "timeout": {
      const budget = Math.round(attemptBudgetMs(job.timeoutMs) / 1000);
      const timeout = new JobError({
        type: "timeout",
        message: `PixelLab did not answer within ${budget} s`,
        cause: error,
      });
      return failAttempt(deps, job, leaseId, timeout);
    }
    case "delivery-abandoned": {
      const message = "Cloud Tasks gave up on this delivery (dispatch deadline) before PixelLab answered";
      return failAttempt(deps, job, leaseId, new JobError({ type: "timeout", message, cause: error }));
    }
    case undefined:
      return failAttempt(deps, job, leaseId, error);
  }
}
