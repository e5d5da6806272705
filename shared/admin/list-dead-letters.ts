import { decodePageCursor } from "../store/page-cursor.ts";
import { ERROR_TYPES, isErrorType, type ErrorType, type FieldProblem } from "../errors.ts";
import { problem, type Problem } from "../http/problem.ts";
import type { Deps } from "../deps.ts";
import { JOB_ID } from "../store/job-document.ts";
import { toDeadLetterView, type DeadLetterView } from "./dead-letter-view.ts";

export type ListDeadLettersOutcome =
  | { kind: "page"; entries: DeadLetterView[]; nextCursor: string | null }
  | { kind: "rejected"; problem: Problem };

/** Page size of `GET /v1/admin/dead-letters`: 1 to 100. @defaultValue 20 */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * `GET /v1/admin/dead-letters?errorType=&limit=&cursor=`: entries newest first (by `failedAt`),
 * optionally of one error type, without the jobs' inputs. Every bad parameter is reported at once.
 */
export async function listDeadLetterPage(
  deps: Deps,
  query: { errorType?: string | undefined; limit?: string | undefined; cursor?: string | undefined },
): Promise<ListDeadLettersOutcome> {
  const errors: FieldProblem[] = [];
  const errorType = query.errorType;
  if (errorType !== undefined && !isErrorType(errorType)) {
    errors.push({ path: "errorType", message: `must be one of ${ERROR_TYPES.join(", ")}` });
  }
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    errors.push({ path: "limit", message: `must be an integer from 1 to ${MAX_LIMIT}` });
  }
  if (query.cursor !== undefined && !isPageCursor(query.cursor)) {
    errors.push({ path: "cursor", message: "is not one this API issued" });
  }
  if (errors.length > 0) {
    return { kind: "rejected", problem: problem("validation-error", "Invalid query.", { errors }) };
  }
  const page = await deps.store.listDeadLetters({
    errorType: errorType as ErrorType | undefined, // checked above
    limit,
    cursor: query.cursor,
  });
  return {
    kind: "page",
    entries: page.entries.map((e) => toDeadLetterView(e, false)),
    nextCursor: page.nextCursor,
  };
}

/** `GET /v1/admin/dead-letters/{jobId}`: one entry, with the job's input. */
export async function readDeadLetter(
  deps: Deps,
  jobId: string,
): Promise<{ kind: "entry"; entry: DeadLetterView } | { kind: "rejected"; problem: Problem }> {
  const entry = JOB_ID.test(jobId) ? await deps.store.getDeadLetter(jobId) : undefined;
  if (entry === undefined) return { kind: "rejected", problem: noDeadLetter(jobId) };
  return { kind: "entry", entry: toDeadLetterView(entry, true) };
}

export function noDeadLetter(jobId: string): Problem {
  return problem("not-found", `No dead-letter entry for job ${jobId}.`);
}

function isPageCursor(cursor: string): boolean {
  try {
    return decodePageCursor(cursor) !== undefined;
  } catch {
    return false;
  }
}
