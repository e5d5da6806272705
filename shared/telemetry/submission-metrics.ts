import type { SubmitOutcome } from "../submission/submission-outcome.ts";
import { NO_REASON, problemReason } from "./label-values.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Records what one `POST /v1/jobs` decided: `genqueue_submissions_total` by outcome (and, for a
 * rejection, the problem type as `reason`) and, for an answer from the cache, the job's end-to-end
 * time with `cached="true"`: a cached job ends at its submission, so that is the time the request
 * took to answer, `seconds` (from the start of the use-case).
 */
export function recordSubmission(metrics: Metrics, outcome: SubmitOutcome, seconds: number): void {
  const reason = outcome.kind === "rejected" ? problemReason(outcome.problem.type) : NO_REASON;
  metrics.add("submissions", { outcome: outcome.kind, reason });
  if (outcome.kind === "cached") {
    metrics.observe("jobEndToEnd", { operation: outcome.view.operation, cached: "true" }, seconds);
  }
}

/**
 * A submission that threw: the API answers it 503 `unavailable` (`functions/api.ts`), and it is
 * counted as that rejection.
 */
export function recordFailedSubmission(metrics: Metrics): void {
  metrics.add("submissions", { outcome: "rejected", reason: "unavailable" });
}
