import type { Deps } from "../deps.ts";
import { problem } from "../http/problem.ts";
import type { SubmitOutcome } from "./submission-outcome.ts";

/**
 * The refusal when the queue holds `activeJobs` (at or over `QUEUE_CAPACITY`): 503 with the time
 * for the queue to drain below capacity at its concurrency, at the typical job duration.
 */
export function queueFull(deps: Deps, activeJobs: number): SubmitOutcome {
  const { config } = deps;
  // Time for the queue to drain below capacity at its concurrency, at the typical job duration.
  const excess = activeJobs - config.limits.queueCapacity + 1;
  const drainMs = (excess / config.queueConcurrency) * config.expectedJobMs;
  const retryAfterSeconds = Math.max(1, Math.ceil(drainMs / 1000));
  deps.logger.warn({ activeJobs, capacity: config.limits.queueCapacity }, "queue full; refusing submission");
  return {
    kind: "rejected",
    problem: problem(
      "queue-full",
      `The queue holds ${activeJobs} active jobs (capacity ${config.limits.queueCapacity}).`,
      {
        retryAfterSeconds,
      },
    ),
  };
}
