import type { Deps } from "../deps.ts";
import { problem } from "../http/problem.ts";
import type { ClaimView } from "../store/job-store.ts";
import { toJobView } from "./job-view.ts";
import type { SubmitOutcome } from "./submission-outcome.ts";

/** Pause between two looks at a claim still being admitted, in ms. @defaultValue 50 */
const CLAIM_POLL_MS = 50;
/** Extra wait beyond the enqueue bound for the first request to finish, in ms. @defaultValue 2_000 */
const ADMISSION_SLACK_MS = 2_000;

export type DuplicateAnswer = SubmitOutcome | { kind: "gone" };

/**
 * Answers a repeat of a request the same user made moments ago with that request's job, but only
 * once the job can no longer be undone: while the first request is still being admitted (its job
 * written, its task not yet created) this waits for it to finish, at most the enqueue bound plus a
 * little. If the first request was rolled back meanwhile, the claim is gone and this request is a
 * new try (`gone`); if it is still not done, a 409 asks the client to retry shortly.
 */
export async function answerDuplicate(
  deps: Deps,
  userId: string,
  cacheKey: string,
  first: ClaimView,
): Promise<DuplicateAnswer> {
  const deadline = deps.clock.now() + deps.config.enqueueTimeoutMs + ADMISSION_SLACK_MS;
  let claim: ClaimView | undefined = first;
  while (claim !== undefined && !claim.admitted && deps.clock.now() < deadline) {
    await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
    claim = await deps.store.findClaim(userId, cacheKey, deps.clock.now(), deps.config.limits.dedupWindowMs);
  }
  if (claim === undefined || claim.jobId !== first.jobId) return { kind: "gone" };
  const found = claim.admitted ? await deps.store.getJob(claim.jobId) : undefined;
  if (found !== undefined) return { kind: "deduplicated", view: toJobView(found.job) };
  return {
    kind: "rejected",
    problem: problem("conflict", "An identical request is being admitted right now; retry shortly.", {
      retryAfterSeconds: 1,
    }),
  };
}
