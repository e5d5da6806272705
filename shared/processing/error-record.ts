import { classifyThrown } from "../error-classifier.ts";
import { isJobError, RETRYABLE } from "../errors.ts";
import type { JobErrorRecord } from "../job-state.ts";

/** Longest error message kept on a job, in characters (job documents stay far below 1 MiB). */
const MAX_MESSAGE_CHARS = 2_000;

/** Turns anything an attempt threw into the record stored on the job and the dead-letter entry. */
export function errorRecord(error: unknown, now: number): JobErrorRecord {
  const type = classifyThrown(error);
  const message = error instanceof Error ? error.message : String(error);
  return {
    type,
    message: message.slice(0, MAX_MESSAGE_CHARS),
    retryable: RETRYABLE[type],
    status: isJobError(error) ? (error.status ?? null) : null,
    at: now,
  };
}
