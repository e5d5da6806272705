import type { Problem } from "../http/problem.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { isPreconditionFailed } from "../store/firestore-errors.ts";
import { JOB_ID, type AdminDeps } from "./admin-deps.ts";
import { noDeadLetter } from "./list-dead-letters.ts";

export type DiscardOutcome = { kind: "deleted" } | { kind: "rejected"; problem: Problem };

/**
 * `DELETE /v1/admin/dead-letters/{jobId}`: removes the entry; the job stays failed (its owner still
 * sees why). One delete with an `exists` precondition, so a missing entry answers 404 without a read.
 */
export async function discardDeadLetter(deps: AdminDeps, jobId: string): Promise<DiscardOutcome> {
  if (!JOB_ID.test(jobId)) return { kind: "rejected", problem: noDeadLetter(jobId) };
  try {
    await deps.firestore.collection(COLLECTIONS.deadLetters).doc(jobId).delete({ exists: true });
  } catch (error) {
    if (isPreconditionFailed(error)) return { kind: "rejected", problem: noDeadLetter(jobId) };
    throw error;
  }
  deps.logger.info({ jobId }, "dead letter deleted");
  return { kind: "deleted" };
}
