import type { Deps } from "../deps.ts";
import type { Job } from "../store/job-document.ts";
import type { FlightStart } from "../store/job-store.ts";

/**
 * The single-flight record of an attempt (see `generate.ts`), started beside the claim's commit
 * instead of after it: the claim's read already says which request the job is and when its lease
 * will end, so the two writes share one round trip, which takes one Firestore round trip off
 * every attempt (of five). Never rejects: `undefined` when it could not be started, and the attempt
 * then starts it itself.
 */
export type EarlyFlight = Promise<FlightStart | undefined>;

/** Starts `job`'s flight as the claim about to commit will leave it (processing under its lease). */
export function startEarlyFlight(deps: Deps, job: Job, now: number): EarlyFlight | undefined {
  if (job.leaseExpiresAt === null) return undefined;
  return deps.store
    .startFlight(job.cacheKey, { jobId: job.id, until: job.leaseExpiresAt, now, acceptFrom: job.createdAt })
    .catch((error: unknown) => {
      deps.logger.warn({ err: error }, "flight not started with the claim; the attempt starts it");
      return undefined;
    });
}

/**
 * Ends a flight started for a claim that did not take the job (`held` false), or for an attempt of
 * ours that stopped before generating (`held` true), so that nobody waits on it until its lease
 * would have ended. For a claim that did not take the job, a job still processing is left alone:
 * another delivery of the same job holds it, and the flight is that attempt's.
 */
export async function endUnusedFlight(
  deps: Deps,
  job: Job | undefined,
  flight: EarlyFlight | undefined,
  held: boolean,
) {
  if (flight === undefined || job === undefined || (!held && job.status === "processing")) return;
  if ((await flight)?.kind !== "lead") return;
  await deps.store.endFlight(job.cacheKey, job.id).catch((error: unknown) => {
    deps.logger.warn({ err: error }, "unused flight not ended; it lapses with the lease");
  });
}
