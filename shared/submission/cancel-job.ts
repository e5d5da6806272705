import type { Deps } from "../deps.ts";
import { problem, type Problem } from "../http/problem.ts";
import { decideContext } from "../lifecycle/apply-change.ts";
import { carryOut } from "../lifecycle/carry-out.ts";
import { decide } from "../lifecycle/decide.ts";
import { refuse } from "../lifecycle/job-change.ts";
import { JOB_ID } from "../store/job-document.ts";
import { toJobView, type JobView } from "./job-view.ts";

export type CancelOutcome =
  | { kind: "cancelled"; view: JobView }
  /** Processing: marked; the handler stops it at its next check. */
  | { kind: "cancel-requested"; view: JobView }
  | { kind: "rejected"; problem: Problem };

/**
 * `DELETE /v1/jobs/{id}`. In one transaction on the job and its slot: a queued job becomes
 * cancelled, a processing one is marked, and either way the user's slot is freed at once. Then the
 * queued job's pending task is deleted. Terminal jobs: conflict. After a cancel, an identical
 * submission is a new try (the dedup claim no longer holds for a job being cancelled).
 * Reads 2, writes 2 (job, slot), plus one Cloud Tasks DeleteTask.
 */
export async function cancelJob(deps: Deps, userId: string, jobId: string): Promise<CancelOutcome> {
  const notFound: CancelOutcome = {
    kind: "rejected",
    problem: problem("not-found", `No job ${jobId} for this user.`),
  };
  // Not a path Firestore would accept (or one of ours): simply not found.
  if (!JOB_ID.test(jobId)) return notFound;
  const ctx = decideContext(deps, deps.clock.now());
  const applied = await deps.store.apply(jobId, (job) =>
    // Another user's job reads exactly like a missing one.
    job.userId !== userId
      ? refuse("illegal", "not the owner")
      : decide(job, { type: "cancel-requested" }, ctx),
  );
  if (!applied.ok) {
    if (applied.reason === "missing" || applied.job?.userId !== userId) return notFound;
    const status = applied.job.status;
    return {
      kind: "rejected",
      problem: problem("conflict", `Job ${jobId} is already ${status}.`, { jobStatus: status }),
    };
  }
  await carryOut(deps, applied);
  const job = applied.decision.job;
  return { kind: job.status === "processing" ? "cancel-requested" : "cancelled", view: toJobView(job) };
}
