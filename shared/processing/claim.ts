import type { Deps } from "../deps.ts";
import { carryOut } from "../lifecycle/carry-out.ts";
import { applyChange, decideContext } from "../lifecycle/apply-change.ts";
import { decide } from "../lifecycle/decide.ts";
import type { JobChange } from "../lifecycle/job-change.ts";
import type { Job } from "../store/job-document.ts";
import { endUnusedFlight, startEarlyFlight, type EarlyFlight } from "./early-flight.ts";
import type { TaskPayload } from "./task-payload.ts";

export type ClaimOutcome =
  /**
   * `version`: the job document's version after the claim, for the attempt's later writes;
   * `flight`: its single-flight record, started beside the claim (see `early-flight.ts`).
   */
  | { kind: "claimed"; job: Job; version: string; leaseId: string; flight: EarlyFlight | undefined }
  /** Nothing to do for this delivery; Cloud Tasks should stop (2xx). */
  | { kind: "skip"; reason: string };

/**
 * Takes the job for this delivery in one compare-and-set on `jobs/{id}` (1 read, or none when the
 * task carries the job as it still is; 1 write, and the flight's write beside it when the job
 * predicts the claim will take it): a queued job becomes processing under a new lease with one
 * more attempt. A job that is terminal, processing under someone else's live lease, or waiting for
 * a later retry task is left alone: Cloud Tasks delivers at least once, and this is where
 * duplicates stop. A lease that expired (its holder crashed) is settled and claimed in the same
 * decision.
 */
export async function claimJob(deps: Deps, payload: TaskPayload): Promise<ClaimOutcome> {
  const leaseId = deps.newLeaseId();
  const change: JobChange = { type: "claimed", leaseId, attempt: payload.attempt };
  const now = deps.clock.now();
  const ctx = decideContext(deps, now);
  // The job as its task carries it (the write that queued it), or else the read the compare-and-set
  // needs anyway, done here so that the claim it predicts can start the attempt's flight beside the
  // commit (a prediction only: jitter fixed, nothing written). A carried job that is no longer
  // current costs the commit one refused try and a read; a refusal is always decided on a read.
  const read = payload.known ?? (await deps.store.getJob(payload.jobId));
  const predicted = read && decide(read.job, change, { ...ctx, random: () => 0.5 });
  const flight =
    predicted?.ok === true && predicted.decision.job.leaseId === leaseId
      ? startEarlyFlight(deps, predicted.decision.job, now)
      : undefined;
  const applied = await deps.store
    .apply(payload.jobId, (job) => decide(job, change, ctx), read)
    .catch(async (error: unknown) => {
      // A commit whose answer was lost (gRPC UNKNOWN or DEADLINE_EXCEEDED; seen on a loaded emulator)
      // may have landed: the job would be leased to this delivery, which answers 5xx, and the
      // redelivery would find a live lease and stop, leaving the job to the sweeper once the lease
      // ran out (minutes). So the lease is given back in case it landed (1 read, no write if not).
      await applyChange(deps, payload.jobId, { type: "lease-released", leaseId }).catch(() => undefined);
      await endUnusedFlight(deps, read?.job, flight, true);
      throw error;
    });
  // A delivery that takes nothing is counted as a skipped attempt (duplicates, stale retries).
  const skipped = (operation: string | undefined) =>
    deps.metrics.add("attempts", { operation: operation ?? "", outcome: "skipped" });
  if (!applied.ok) {
    skipped(applied.job?.operation);
    await endUnusedFlight(deps, applied.job, flight, false);
    return { kind: "skip", reason: applied.message };
  }
  // Events (job.started, or the settlement of a lost attempt) go out without being waited for.
  await carryOut(deps, applied);
  const job = applied.decision.job;
  if (job.status !== "processing" || job.leaseId !== leaseId) {
    skipped(job.operation);
    await endUnusedFlight(deps, job, flight, false);
    return { kind: "skip", reason: `lease expired; job ${job.status}` };
  }
  return { kind: "claimed", job, version: applied.version, leaseId, flight };
}
