import type { Deps } from "../deps.ts";
import { problem } from "../http/problem.ts";
import type { Job } from "../store/job-document.ts";
import type { ClaimView } from "../store/job-store.ts";
import { toJobView } from "./job-view.ts";
import type { SubmitOutcome } from "./submission-outcome.ts";

/** Pause between two looks at a job still being admitted, in ms. @defaultValue 50 */
const CLAIM_POLL_MS = 50;
/** Extra wait beyond the enqueue bound for the first request to finish, in ms. @defaultValue 2_000 */
const ADMISSION_SLACK_MS = 2_000;

export type DuplicateAnswer = SubmitOutcome | { kind: "gone" };

/**
 * Answers a repeat of a request the same user made moments ago with that request's job, but only
 * once the job can no longer be undone. A claim says which job; the job is live once it has left
 * `queued` or its first task exists (an admission is undone only when creating that task failed).
 * While the first request is still being admitted this waits for it, at most the enqueue bound plus
 * a little: by then it has either created its task or been undone. If it was undone, the claim is
 * gone and this request is a new try (`gone`).
 *
 * Operations: 2 reads (the claim and its job, read together by `findClaim`) and, for a job still
 * queued, one Cloud Tasks GetTask; 2 more per look while the first request is being admitted; no
 * writes.
 */
export async function answerDuplicate(
  deps: Deps,
  userId: string,
  cacheKey: string,
  first: ClaimView,
): Promise<DuplicateAnswer> {
  const deadline = deps.clock.now() + deps.config.enqueueTimeoutMs + ADMISSION_SLACK_MS;
  let claim: ClaimView | undefined = first;
  for (;;) {
    if (claim === undefined || claim.jobId !== first.jobId) return { kind: "gone" };
    const found = claim.job ?? (await deps.store.getJob(claim.jobId))?.job;
    const timeUp = deps.clock.now() >= deadline;
    if (found !== undefined && (claim.admitted || timeUp || (await live(deps, found)))) {
      return { kind: "deduplicated", view: toJobView(found) };
    }
    if (timeUp) break;
    await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
    claim = await deps.store.findClaim(userId, cacheKey, deps.clock.now(), deps.config.limits.dedupWindowMs);
  }
  return {
    kind: "rejected",
    problem: problem("conflict", "An identical request is being admitted right now; retry shortly.", {
      retryAfterSeconds: 1,
    }),
  };
}

/** Whether an admission got as far as the job's first task (so it will not be undone). */
async function live(deps: Deps, job: Job): Promise<boolean> {
  if (job.status !== "queued" || job.attempts > 0 || job.run > 0) return true;
  return deps.tasks.exists(job.id, 1, 0, job.priority).catch(() => false);
}
