/**
 * The error taxonomy of a generation attempt. Exactly seven types; each says whether trying the same
 * request again can succeed. The handler branches on `type`/`retryable`, never on message text.
 */
export const ERROR_TYPES = [
  "validation",
  "authentication",
  "quota",
  "rate_limit",
  "timeout",
  "upstream",
  "network",
] as const;

export type ErrorType = (typeof ERROR_TYPES)[number];

/** Whether each type is worth retrying: a new attempt can only fix transient trouble. */
export const RETRYABLE: Readonly<Record<ErrorType, boolean>> = {
  validation: false, // the request itself is wrong (400/422): the same bytes fail again
  authentication: false, // our key is wrong or revoked (401/403): an operator must act
  quota: false, // out of credits (402): retrying spends nothing but time until someone pays
  rate_limit: true, // 429/529: wait (at least Retry-After) and try again
  timeout: true, // our deadline or the upstream's expired
  upstream: true, // 5xx or a malformed 200 from PixelLab
  network: true, // the connection failed before an answer
};

export function isErrorType(value: unknown): value is ErrorType {
  return typeof value === "string" && (ERROR_TYPES as readonly string[]).includes(value);
}

/** One problem with one field, as PixelLab's FastAPI `detail` entries and our own 422s list them. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** What the caller knows about a failure, to build a {@link JobError}. */
export interface JobErrorInit {
  type: ErrorType;
  message: string;
  /** The upstream HTTP status, when there was one. */
  status?: number;
  /** The upstream's `Retry-After`, in ms, when it sent one. */
  retryAfterMs?: number;
  /** Field-level problems (validation errors). */
  details?: readonly FieldProblem[];
  cause?: unknown;
}

/** A classified failure. Its message never contains credentials (callers pass redacted text). */
export class JobError extends Error {
  readonly type: ErrorType;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly details: readonly FieldProblem[];

  constructor(init: JobErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "JobError";
    this.type = init.type;
    this.retryable = RETRYABLE[init.type];
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.details = init.details ?? [];
  }

  /** The plain shape stored on job documents and dead-letter entries. */
  toJSON(): { type: ErrorType; message: string; retryable: boolean; status: number | null } {
    return { type: this.type, message: this.message, retryable: this.retryable, status: this.status ?? null };
  }
}

export function isJobError(value: unknown): value is JobError {
  return value instanceof JobError;
}
