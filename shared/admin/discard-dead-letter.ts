import type { Problem } from "../http/problem.ts";
import type { Deps } from "../deps.ts";
import { JOB_ID } from "../store/job-document.ts";
import { noDeadLetter } from "./list-dead-letters.ts";

export type DiscardOutcome = { kind: "deleted" } | { kind: "rejected"; problem: Problem };

/**
 * `DELETE /v1/admin/dead-letters/{jobId}`: removes the entry; the job stays failed (its owner still
 * sees why). One delete with an `exists` precondition, so a missing entry answers 404 without a read.
 */
export async function discardDeadLetter(deps: Deps, jobId: string): Promise<DiscardOutcome> {
  if (!JOB_ID.test(jobId)) return { kind: "rejected", problem: noDeadLetter(jobId) };
  if (!(await deps.store.deleteDeadLetter(jobId))) return { kind: "rejected", problem: noDeadLetter(jobId) };
  deps.logger.info({ jobId }, "dead letter deleted");
  return { kind: "deleted" };
}
