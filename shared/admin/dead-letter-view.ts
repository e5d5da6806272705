import type { JobErrorRecord } from "../job-state.ts";
import type { DeadLetter } from "../store/dead-letters.ts";

type ErrorView = Omit<JobErrorRecord, "at"> & { at: string };

/** A dead-letter entry over HTTP. Times are RFC 3339 strings. */
export interface DeadLetterView {
  jobId: string;
  userId: string;
  operation: string;
  errorType: string;
  error: ErrorView;
  attemptErrors: ErrorView[];
  attempts: number;
  failedAt: string;
  expireAt: string;
  job: {
    /** Only in the single-entry view: inputs carry base64 images of up to ~1 MB each. */
    input?: Record<string, unknown>;
    cacheKey: string;
    createdAt: string;
    timeoutMs: number;
    run: number;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const errorView = (e: JobErrorRecord): ErrorView => ({ ...e, at: iso(e.at) });

/** The entry as an operator sees it; `withInput` adds the job's input (left out of lists to keep pages small). */
export function toDeadLetterView(entry: DeadLetter, withInput: boolean): DeadLetterView {
  const { input, ...job } = entry.job;
  return {
    ...entry,
    error: errorView(entry.error),
    attemptErrors: entry.attemptErrors.map(errorView),
    failedAt: iso(entry.failedAt),
    expireAt: iso(entry.expireAt),
    job: { ...job, createdAt: iso(job.createdAt), ...(withInput && { input }) },
  };
}
