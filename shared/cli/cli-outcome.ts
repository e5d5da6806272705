import { QueueApiError, WatchTimeoutError } from "../client/client-errors.ts";
import type { SubmitResult } from "../client/queue-client.ts";
import type { JobView } from "../submission/job-view.ts";
import { CliOptionsError } from "./generate-options.ts";

export const EXIT_OK = 0;
/** The job failed or was cancelled, the API refused, or the wait ran out. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The stderr line once the API took the request, e.g. `job 3f2a… queued (position 2, about 4 s)`. */
export function submittedLine(submitted: SubmitResult): string {
  const how = submitted.cached
    ? "from the cache"
    : submitted.deduplicated
      ? "(same as an earlier request)"
      : "";
  const wait =
    submitted.position === undefined
      ? ""
      : `(position ${submitted.position}, about ${Math.ceil((submitted.estimatedWaitMs ?? 0) / 1000)} s)`;
  return ["job", submitted.jobId, submitted.status, how, wait].filter((part) => part !== "").join(" ");
}

/** The stdout line for a written image, e.g. `job 3f2a… completed in 2 attempts (cache: no) → knight.png`. */
export function successLine(job: JobView, path: string): string {
  const attempts = `${job.attempts} attempt${job.attempts === 1 ? "" : "s"}`;
  return `job ${job.jobId} completed in ${attempts} (cache: ${job.cached ? "yes" : "no"}) → ${path}`;
}

/** The stderr line for a job that ended without an image, e.g. `failed: quota: Insufficient credits`. */
export function terminalFailureLine(job: JobView): string {
  if (job.status === "failed") {
    return `job ${job.jobId} failed: ${job.error?.type ?? "unknown"}: ${job.error?.message ?? "no detail"}`;
  }
  return `job ${job.jobId} ${job.status}`;
}

/** What to print and which exit code for an error thrown on the way. */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliOptionsError) return { message: error.message, exitCode: EXIT_USAGE };
  if (error instanceof QueueApiError) {
    const fields = (error.problem.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join("");
    const retry = error.retryAfterSeconds === undefined ? "" : ` (retry after ${error.retryAfterSeconds} s)`;
    return {
      message: `refused: ${error.problem.type} (${error.status}): ${error.problem.detail}${retry}${fields}`,
      exitCode: EXIT_FAILED,
    };
  }
  if (error instanceof WatchTimeoutError)
    return { message: `timeout: ${error.message}`, exitCode: EXIT_FAILED };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `error: ${message}`, exitCode: EXIT_FAILED };
}
