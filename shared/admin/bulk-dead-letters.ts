import { z } from "zod";
import { ERROR_TYPES } from "../errors.ts";
import { problem, type Problem } from "../http/problem.ts";
import { toFieldProblems } from "../operations/operations.ts";
import type { Deps } from "../deps.ts";
import { JOB_ID } from "../store/job-document.ts";
import { discardDeadLetter } from "./discard-dead-letter.ts";
import { replayDeadLetter } from "./replay-dead-letter.ts";

/** Most entries one bulk request acts on. @defaultValue 100 when the filter sets no `limit` */
const MAX_BULK = 500;
/** Entries acted on at once: each is its own transaction and task, on its own documents. */
const CONCURRENCY = 20;

/**
 * The body of `POST /v1/admin/dead-letters:retry` and `:delete`. At least one of `errorType` and
 * `jobIds` is required, so an empty body cannot act on the whole queue by accident; both together
 * mean "these jobs, if their error is of this type".
 */
export const bulkFilter = z
  .strictObject({
    errorType: z.enum(ERROR_TYPES).optional(),
    jobIds: z.array(z.string().regex(JOB_ID, "must be a job id")).min(1).max(MAX_BULK).optional(),
    limit: z.int().min(1).max(MAX_BULK).default(100),
  })
  .refine((f) => f.errorType !== undefined || f.jobIds !== undefined, {
    message: "give errorType, jobIds or both",
    path: ["errorType"],
  });
type BulkFilter = z.infer<typeof bulkFilter>;

export type BulkAction = "retry" | "delete";
export type BulkOutcome =
  | { kind: "done"; done: string[]; failed: { jobId: string; reason: string }[] }
  | { kind: "rejected"; problem: Problem };

/**
 * Applies the single-entry replay or delete to every entry the filter selects (newest first, at
 * most `limit`), and reports which succeeded and why the others did not (`not-found`, `conflict`,
 * `error`). Selecting and acting interleave page by page; entries a concurrent request already
 * handled show up as `not-found`.
 */
export async function bulkDeadLetters(deps: Deps, action: BulkAction, body: unknown): Promise<BulkOutcome> {
  const parsed = bulkFilter.safeParse(body ?? {});
  if (!parsed.success) {
    const errors = toFieldProblems(parsed.error.issues);
    return { kind: "rejected", problem: problem("validation-error", "Invalid filter.", { errors }) };
  }
  const done: string[] = [];
  const failed: { jobId: string; reason: string }[] = [];
  for await (const ids of selectedPages(deps, parsed.data)) {
    for (let i = 0; i < ids.length; i += CONCURRENCY) {
      const chunk = ids.slice(i, i + CONCURRENCY);
      const results = await Promise.all(chunk.map((jobId) => actOn(deps, action, jobId)));
      results.forEach((reason, k) => {
        const jobId = chunk[k] as string;
        if (reason === undefined) done.push(jobId);
        else failed.push({ jobId, reason });
      });
    }
  }
  return { kind: "done", done, failed };
}

/** Runs one single-entry operation; undefined on success, else why not. Never throws. */
async function actOn(deps: Deps, action: BulkAction, jobId: string): Promise<string | undefined> {
  try {
    const outcome =
      action === "retry" ? await replayDeadLetter(deps, jobId) : await discardDeadLetter(deps, jobId);
    if (outcome.kind !== "rejected") return undefined;
    return outcome.problem.status === 404 ? "not-found" : "conflict";
  } catch (err) {
    deps.logger.error({ err, jobId, action }, "bulk dead-letter action failed for one entry");
    return "error";
  }
}

/** The selected job ids, a page at a time, `limit` in all. */
async function* selectedPages(deps: Deps, filter: BulkFilter): AsyncGenerator<string[]> {
  if (filter.jobIds !== undefined) {
    const ids = [...new Set(filter.jobIds)].slice(0, filter.limit);
    if (filter.errorType === undefined) return yield ids;
    const entries = await Promise.all(ids.map((id) => deps.store.getDeadLetter(id)));
    // A listed id with no entry is still reported (not-found); one of another type is not selected.
    return yield ids.filter(
      (id, i) => entries[i] === undefined || entries[i]?.errorType === filter.errorType,
    );
  }
  let cursor: string | undefined;
  let left = filter.limit;
  while (left > 0) {
    const page = await deps.store.listDeadLetters({
      errorType: filter.errorType,
      limit: Math.min(left, 100),
      cursor,
    });
    yield page.entries.map((e) => e.jobId);
    left -= page.entries.length;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}
