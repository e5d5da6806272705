import { problem, type Problem } from "../http/problem.ts";
import { transition } from "../job-state.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { decodeJob, encodeState, JOB_ID, type Job } from "../store/job-document.ts";
import { prepareSlotRelease } from "../store/user-slots.ts";
import { toJobView, type JobView } from "./job-view.ts";
import type { ApiDeps } from "./submit-deps.ts";

export type CancelOutcome =
  | { kind: "cancelled"; view: JobView }
  /** Processing: marked; the handler stops it at its next check. */
  | { kind: "cancel-requested"; view: JobView }
  | { kind: "rejected"; problem: Problem };

/**
 * `DELETE /v1/jobs/{id}`. In one transaction on `jobs/{id}` and its `userSlots/{uid}_{k}`: a queued job
 * becomes cancelled, a processing one is marked, and either way the user's slot is freed at once
 * (the user asked to stop; their next job should not wait for the handler to notice). Then, outside
 * the transaction, the queued job's pending task is deleted. Terminal jobs: conflict.
 * Reads 2, writes 2 (job, slot), plus one Cloud Tasks DeleteTask.
 */
export async function cancelJob(deps: ApiDeps, userId: string, jobId: string): Promise<CancelOutcome> {
  const { firestore } = deps;
  // Not a path Firestore would accept (or one of ours): simply not found.
  if (!JOB_ID.test(jobId))
    return { kind: "rejected", problem: problem("not-found", `No job ${jobId} for this user.`) };
  const now = deps.clock.now();
  const ref = firestore.collection(COLLECTIONS.jobs).doc(jobId);
  const result = await firestore.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists || snap.get("userId") !== userId) return { kind: "missing" as const };
    const job = decodeJob(snap.id, snap.data());
    const next = transition(job, { type: "cancel", source: "client" }, now);
    if (!next.ok) return { kind: "refused" as const, job };
    const release = await prepareSlotRelease(tx, firestore, userId, job.slot, jobId);
    release?.();
    tx.update(ref, { ...encodeState(next.state, now), slot: null });
    return {
      kind: "done" as const,
      job: { ...job, ...next.state, slot: null, updatedAt: now } satisfies Job,
    };
  });
  if (result.kind === "missing") {
    return { kind: "rejected", problem: problem("not-found", `No job ${jobId} for this user.`) };
  }
  if (result.kind === "refused") {
    return {
      kind: "rejected",
      problem: problem("conflict", `Job ${jobId} is already ${result.job.status}.`, {
        jobStatus: result.job.status,
      }),
    };
  }
  const job = result.job;
  if (job.status === "processing") return { kind: "cancel-requested", view: toJobView(job) };
  // Queued: its next delivery is attempt `attempts + 1`. A task already gone is fine.
  await deps.tasks.remove(job.id, job.attempts + 1, job.run).catch((error: unknown) => {
    // The handler also refuses cancelled jobs, so a surviving task only costs one no-op delivery.
    deps.logger.warn({ err: error, jobId }, "could not delete the cancelled job's task");
  });
  await deps.events.publish({
    type: "job.cancelled",
    jobId,
    userId,
    operation: job.operation,
    at: now,
    data: { from: "queued" },
  });
  return { kind: "cancelled", view: toJobView(job) };
}
