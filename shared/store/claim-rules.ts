import { isTerminal, type JobStatus } from "../job-state.ts";
import type { ClaimView } from "./job-store.ts";

/** A dedup claim as stored: which job, when (ms), and whether its admission finished. */
export interface StoredClaim {
  jobId: string;
  createdAt: number;
  admitted: boolean;
}

/**
 * How long a claim whose admission has not finished still holds, in ms: the first request is writing
 * its job and creating its task (bounded by `ENQUEUE_TIMEOUT_MS`, default 3 s). Past it, a claim
 * whose job exists counts as admitted (the request died between enqueue and confirmation; the
 * sweeper gives the job its task), and one without a job is dead. @defaultValue 30_000
 */
export const ADMISSION_GRACE_MS = 30_000;

/**
 * Whether `claim` still answers repeats at `now`, given its job (undefined: no document). Active
 * jobs hold; a completed one holds for the dedup window, so a repeat right after a success gets that
 * result. After a failure, a cancel or a cancel request it is a new try.
 */
export function claimView(
  claim: StoredClaim,
  job: { status: JobStatus; cancelRequested: boolean } | undefined,
  now: number,
  windowMs: number,
): ClaimView | undefined {
  const age = now - claim.createdAt;
  if (job === undefined) {
    // Claim first, job second: a young unadmitted claim is a submission being admitted right now.
    return !claim.admitted && age < ADMISSION_GRACE_MS ? { jobId: claim.jobId, admitted: false } : undefined;
  }
  const admitted = claim.admitted || age >= ADMISSION_GRACE_MS;
  if (job.cancelRequested) return undefined;
  if (!isTerminal(job.status)) return { jobId: claim.jobId, admitted };
  return job.status === "completed" && age < windowMs ? { jobId: claim.jobId, admitted: true } : undefined;
}
