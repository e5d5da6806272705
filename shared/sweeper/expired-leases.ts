import { Timestamp } from "@google-cloud/firestore";
import { dispatchDeadlineMs } from "../deadlines.ts";
import { settleExpiredLease, type LeaseFix } from "../processing/expired-lease.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { queryPages, tallyPage, type Tally } from "./paged-query.ts";
import type { SweepDeps } from "./sweep-deps.ts";

export type { LeaseFix } from "../processing/expired-lease.ts";

/**
 * Settles processing jobs whose lease expired before `now` (ms): the handler holding them crashed or
 * was cut off. Each becomes queued for its next attempt (a task is enqueued), failed into the
 * dead-letter queue when that was its last attempt, or cancelled when the user had asked. Query:
 * `status == "processing" && leaseExpiresAt < now` (composite index status + leaseExpiresAt).
 */
export async function settleExpiredLeases(deps: SweepDeps, now: number): Promise<Tally<LeaseFix>> {
  const query = deps.firestore
    .collection(COLLECTIONS.jobs)
    .where("status", "==", "processing")
    .where("leaseExpiresAt", "<", Timestamp.fromMillis(now))
    .orderBy("leaseExpiresAt");
  const tally: Tally<LeaseFix> = {};
  for await (const page of queryPages(query)) {
    await tallyPage(
      tally,
      page,
      (doc) => settleOne(deps, doc.id, now),
      (doc, err) => deps.logger.error({ err, jobId: doc.id }, "sweeper: could not settle an expired lease"),
    );
  }
  return tally;
}

/** One job: settled (the same code the handler runs on redelivery), then a requeued one gets its task. */
async function settleOne(deps: SweepDeps, jobId: string, now: number): Promise<LeaseFix> {
  const { fix, job } = await settleExpiredLease(deps, jobId, now, "sweeper");
  if (fix !== "requeued" || job === undefined) return fix;
  // If this enqueue fails, the stale-queued pass of a later sweep finds the job without a task.
  await deps.tasks
    .enqueue({
      jobId,
      attempt: job.attempts + 1,
      run: job.run,
      dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
    })
    .catch((err: unknown) => deps.logger.warn({ err, jobId }, "sweeper: requeued job not enqueued yet"));
  return fix;
}
