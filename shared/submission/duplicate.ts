import { problem } from "../http/problem.ts";
import { getJob } from "../store/job-store.ts";
import { toJobView } from "./job-view.ts";
import type { SubmitOutcome } from "./submission-outcome.ts";
import type { ApiDeps } from "./submit-deps.ts";

/** How long to wait for a winning duplicate's job document to appear, in ms. @defaultValue 2_000 */
const WINNER_WAIT_MS = 2_000;
const WINNER_POLL_MS = 50;

/**
 * Answers a duplicate with the earlier job. The earlier submission may have claimed the request but
 * not written its job yet (it is a few ms ahead); wait briefly for it rather than answer 404-to-be.
 */
export async function waitForDuplicate(deps: ApiDeps, jobId: string): Promise<SubmitOutcome> {
  const deadline = deps.clock.now() + WINNER_WAIT_MS;
  for (;;) {
    const found = await getJob(deps.firestore, jobId);
    if (found !== undefined) return { kind: "deduplicated", view: toJobView(found.job) };
    if (deps.clock.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, WINNER_POLL_MS));
  }
  return {
    kind: "rejected",
    problem: problem("conflict", "An identical request is being admitted right now; retry shortly.", {
      retryAfterSeconds: 1,
    }),
  };
}
