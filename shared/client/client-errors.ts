/** An API problem document (RFC 9457), as `application/problem+json` carries it. */
export interface ApiProblem {
  /** Stable identifier to branch on, e.g. `/problems/validation-error`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** One entry per invalid field (422). */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/** The API refused a request: non-2xx status with its problem document. */
export class QueueApiError extends Error {
  readonly status: number;
  readonly problem: ApiProblem;
  /** From `Retry-After` (429, 503), in seconds; absent when the API sent none. */
  readonly retryAfterSeconds?: number;

  constructor(problem: ApiProblem, retryAfterSeconds?: number) {
    super(`${problem.status} ${problem.type}: ${problem.detail}`);
    this.name = "QueueApiError";
    this.status = problem.status;
    this.problem = problem;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Whether the same request can succeed later: 408, 429 and 5xx. */
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** `watch` reached its overall deadline before the job finished. */
export class WatchTimeoutError extends Error {
  readonly jobId: string;
  readonly timeoutMs: number;

  constructor(jobId: string, timeoutMs: number) {
    super(`job ${jobId} did not finish within ${timeoutMs} ms`);
    this.name = "WatchTimeoutError";
    this.jobId = jobId;
    this.timeoutMs = timeoutMs;
  }
}

/** A 2xx answer whose body is not what the API promises (a proxy page, a version mismatch). */
export class UnexpectedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnexpectedResponseError";
  }
}
