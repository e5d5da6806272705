import { attemptBudgetMs } from "../deadlines.ts";
import type { ProcessDeps } from "../deps.ts";
import { isJobError, JobError } from "../errors.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import { BackgroundJobEndedError } from "../pixellab/background-job.ts";
import { watchAttempt, type AttemptSignal } from "./attempt-signal.ts";
import { batchYield } from "./batch-yield.ts";
import { claimJob } from "./claim.ts";
import { endUnusedFlight, type EarlyFlight } from "./early-flight.ts";
import { errorRecord } from "./error-record.ts";
import { obtainResult } from "./generate.ts";
import { holdJob, type HeldJob } from "./held-job.ts";
import { createProgressReporter } from "./progress-reporter.ts";
import { settle, type ProcessOutcome } from "./settle.ts";
import type { TaskPayload } from "./task-payload.ts";

export type { ProcessOutcome } from "./settle.ts";

/** What one delivery did besides its outcome, for the handler's log line (and the benchmark). */
export interface AttemptFacts {
  /** Time spent waiting on PixelLab, or on another job's generation of the same request, in ms. */
  pixellabMs: number;
  /** The result came from another job's generation (single-flight) or a result stored meanwhile. */
  sharedGeneration: boolean;
}

/**
 * How long an attempt goes on after Cloud Tasks closed its delivery, in ms: enough for an answer in
 * flight to arrive and be stored, well inside the handler's margin before the lease runs out
 * (`HANDLER_MARGIN_MS`, 30 s). @defaultValue 5_000
 */
export const ABANDON_GRACE_MS = 5_000;

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
  facts: AttemptFacts = { pixellabMs: 0, sharedGeneration: false },
): Promise<ProcessOutcome> {
  const deferred = await batchYield(deps, payload);
  if (deferred !== undefined) return deferred;
  const claim = await claimJob(deps, payload);
  if (claim.kind === "skip") {
    deps.logger.info({ attempt: payload.attempt, reason: claim.reason }, "delivery skipped");
    return { kind: "skipped", reason: claim.reason };
  }
  const { job, leaseId } = claim;
  const log = deps.logger.child({ userId: job.userId, attempt: job.attempts });
  // The budget's timer and the abort listener come first: nothing outside the attempt's own budget
  // (the claim's events are already on their way, unawaited) may delay them.
  const attempt = watchAttempt(attemptBudgetMs(job.timeoutMs));
  const held = holdJob({ ...deps, logger: log }, { job, version: claim.version }, leaseId, attempt);
  // Cloud Tasks closing the delivery (its deadline, or a broken connection) ends the attempt, but
  // not at once: a PixelLab answer already on its way is worth storing rather than paying again.
  let abandonTimer: NodeJS.Timeout | undefined;
  const onAbandoned = () => {
    log.warn(
      { graceMs: ABANDON_GRACE_MS },
      "Cloud Tasks closed the delivery; stopping the attempt after a grace",
    );
    abandonTimer = setTimeout(() => attempt.stop("delivery-abandoned"), ABANDON_GRACE_MS);
  };
  delivery.addEventListener("abort", onAbandoned);
  log.debug({ leaseId, budgetMs: attemptBudgetMs(job.timeoutMs) }, "attempt started");
  try {
    const outcome = await attemptOnce({ ...deps, logger: log }, held, leaseId, attempt, facts, claim.flight);
    log.info({ outcome: outcome.kind }, "attempt finished");
    return outcome;
  } catch (error) {
    // Unexpected trouble: give the lease back so Cloud Tasks' redelivery can take the job at once
    // instead of waiting for the lease to run out (the attempt still counts).
    log.error({ err: error }, "attempt crashed; releasing the lease");
    await applyChange(deps, job.id, { type: "lease-released", leaseId }).catch(() => undefined);
    throw error;
  } finally {
    delivery.removeEventListener("abort", onAbandoned);
    clearTimeout(abandonTimer);
    attempt.close();
    held.close();
  }
}

async function attemptOnce(
  deps: ProcessDeps,
  held: HeldJob,
  leaseId: string,
  attempt: AttemptSignal,
  facts: AttemptFacts,
  flight: EarlyFlight | undefined,
): Promise<ProcessOutcome> {
  const job = held.current();
  if (job.cancelRequested) {
    await endUnusedFlight(deps, job, flight, true);
    return settle(deps, held, { type: "attempt-cancelled", leaseId });
  }
  const reporter = createProgressReporter(held, leaseId, deps.clock, deps.logger);
  reporter.stage("generating");
  let obtained;
  try {
    obtained = await obtainResult(deps, held, leaseId, attempt, reporter, flight);
  } catch (error) {
    await reporter.close();
    return settleStopped(deps, held, leaseId, attempt, error);
  }
  // Whatever progress is still waiting is superseded: the terminal write goes out now.
  await reporter.close();
  facts.pixellabMs = obtained.pixellabMs;
  facts.sharedGeneration = obtained.shared;
  if (attempt.reason() === "lease-lost") {
    await obtained.stored;
    return { kind: "lease-lost", jobId: job.id };
  }
  // A cancel that arrived during the call wins over its result: the decision sees the request.
  const [outcome] = await Promise.all([
    settle(deps, held, { type: "result-ready", leaseId, result: obtained.result, shared: obtained.shared }),
    obtained.stored,
  ]);
  return outcome;
}

/** Decides what a failed or stopped attempt means. */
async function settleStopped(
  deps: ProcessDeps,
  held: HeldJob,
  leaseId: string,
  attempt: AttemptSignal,
  error: unknown,
): Promise<ProcessOutcome> {
  const failed = (cause: unknown) =>
    settle(deps, held, {
      type: "attempt-failed",
      leaseId,
      error: errorRecord(cause, deps.clock.now()),
      retryAfterMs: isJobError(cause) ? cause.retryAfterMs : undefined,
      pixellabJobEnded: cause instanceof BackgroundJobEndedError,
    });
  const job = held.current();
  switch (attempt.reason()) {
    case "cancel-requested":
      return settle(deps, held, { type: "attempt-cancelled", leaseId });
    case "lease-lost":
      return { kind: "lease-lost", jobId: job.id };
    case "timeout": {
      const budget = Math.round(attemptBudgetMs(job.timeoutMs) / 1000);
      return failed(
        new JobError({
          type: "timeout",
          message: `PixelLab did not answer within ${budget} s`,
          cause: error,
        }),
      );
    }
    case "delivery-abandoned": {
      const message = "Cloud Tasks gave up on this delivery (dispatch deadline) before PixelLab answered";
      return failed(new JobError({ type: "timeout", message, cause: error }));
    }
    case undefined:
      return failed(error);
  }
}
