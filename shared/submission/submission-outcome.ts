import type { Problem } from "../http/problem.ts";
import type { StoredResponse } from "../store/job-store.ts";
import { jobUrl, type JobView } from "./job-view.ts";

/** What `POST /v1/jobs` decided. */
export type SubmitOutcome =
  | { kind: "accepted"; view: JobView; position: number; estimatedWaitMs: number }
  | { kind: "cached"; view: JobView }
  | { kind: "deduplicated"; view: JobView }
  | { kind: "replayed"; response: StoredResponse }
  | { kind: "rejected"; problem: Problem };

/**
 * The HTTP response for a successful outcome: 202 for a job still to run, 200 for one already
 * completed (cache hit, or a duplicate of a finished job). Kept here, not in the function, because
 * the same bytes are stored for `Idempotency-Key` replays.
 */
export function successResponse(
  outcome: Exclude<SubmitOutcome, { kind: "rejected" | "replayed" }>,
): StoredResponse {
  const view = outcome.view;
  const status = view.status === "queued" || view.status === "processing" ? 202 : 200;
  const location = jobUrl(view.jobId);
  switch (outcome.kind) {
    case "accepted":
      return {
        status: 202,
        location,
        body: {
          jobId: view.jobId,
          status: view.status,
          position: outcome.position,
          estimatedWaitMs: outcome.estimatedWaitMs,
        },
      };
    case "cached":
      return {
        status: 200,
        location,
        body: { jobId: view.jobId, status: view.status, cached: true, result: view.result },
      };
    case "deduplicated":
      return { status, location, body: { ...view, deduplicated: true } };
  }
}
