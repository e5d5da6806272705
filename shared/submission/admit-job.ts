import { dispatchDeadlineMs } from "../deadlines.ts";
import { problem } from "../http/problem.ts";
import { dropClaim, takeClaim } from "../store/dedup-claims.ts";
import { createJob, deleteJob } from "../store/job-store.ts";
import { acquireSlot, heldSlots, releaseSlot } from "../store/user-slots.ts";
import { queuedJob, type NewJobFacts } from "./new-job.ts";
import type { SubmitOutcome } from "./submission-outcome.ts";
import type { ApiDeps } from "./submit-deps.ts";
import { toJobView } from "./job-view.ts";
import { waitForDuplicate } from "./duplicate.ts";

/**
 * Admits a new job: dedup claim, per-user slot, job document, Cloud Tasks task. `activeJobs` is the
 * queue depth read before (the capacity check). Each step that fails undoes the ones before it, so a
 * rejected request leaves nothing behind.
 *
 * Documents: creates or takes over `dedupClaims/{hash}` (1 write), creates `userSlots/{uid}_{k}`
 * (1 write, plus one failed `create()` per held slot tried), creates `jobs/{id}` (1 write).
 */
export async function admitJob(
  deps: ApiDeps,
  facts: NewJobFacts,
  activeJobs: number,
): Promise<SubmitOutcome> {
  const { config, firestore } = deps;
  // The claim comes first: identical simultaneous submissions then share one job and one slot,
  // instead of each taking a slot before learning it is a duplicate.
  const claim = await takeClaim(
    firestore,
    facts.userId,
    facts.cacheKey,
    facts.id,
    facts.now,
    config.limits.dedupWindowMs,
  );
  if (!claim.won) return waitForDuplicate(deps, claim.jobId);

  const slot = await acquireSlot(firestore, facts.userId, facts.id, config.limits.userActiveJobs, facts.now);
  if (slot === undefined) {
    await dropClaim(firestore, facts.userId, facts.cacheKey, facts.id);
    return userLimitReached(deps, facts.userId);
  }

  const job = queuedJob(facts, slot);
  try {
    await createJob(firestore, job);
    await deps.tasks.enqueue({
      jobId: job.id,
      attempt: 1,
      run: 0,
      dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
    });
  } catch (error) {
    deps.logger.error({ err: error, jobId: job.id, userId: job.userId }, "admission failed; undoing the job");
    await undo(deps, facts, slot);
    return {
      kind: "rejected",
      problem: problem("unavailable", "The job could not be queued; try again.", { retryAfterSeconds: 5 }),
    };
  }
  const position = activeJobs; // jobs admitted before this one and not finished yet
  const estimatedWaitMs = Math.round((position / config.queueConcurrency) * config.expectedJobMs);
  return { kind: "accepted", view: toJobView(job), position, estimatedWaitMs };
}

/**
 * Undoes a half-made admission. If the undo itself fails the job stays queued without a task;
 * the sweeper finds such jobs (queued, no task under their deterministic name) and enqueues them.
 */
async function undo(deps: ApiDeps, facts: NewJobFacts, slot: number): Promise<void> {
  try {
    await deleteJob(deps.firestore, facts.id);
    await releaseSlot(deps.firestore, facts.userId, slot, facts.id);
    await dropClaim(deps.firestore, facts.userId, facts.cacheKey, facts.id);
  } catch (error) {
    deps.logger.error({ err: error, jobId: facts.id }, "undo failed; the sweeper will re-enqueue the job");
  }
}

async function userLimitReached(deps: ApiDeps, userId: string): Promise<SubmitOutcome> {
  const { config } = deps;
  const activeJobs = await heldSlots(deps.firestore, userId);
  // One of the user's jobs should finish within about one job's duration.
  const retryAfterSeconds = Math.max(1, Math.ceil(config.expectedJobMs / 1000));
  return {
    kind: "rejected",
    problem: problem(
      "user-limit-reached",
      `You already have ${activeJobs} active jobs; the limit is ${config.limits.userActiveJobs}.`,
      {
        activeJobs,
        limit: config.limits.userActiveJobs,
        retryAfterSeconds,
      },
    ),
  };
}
