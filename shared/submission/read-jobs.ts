import { isJobStatus } from "../job-state.ts";
import { problem, type Problem } from "../http/problem.ts";
import { JOB_ID } from "../store/job-document.ts";
import type { Deps } from "../deps.ts";
import type { VersionedJob } from "../store/job-store.ts";
import { etagOf, toJobView, type JobView } from "./job-view.ts";

export type ReadOutcome =
  | { kind: "job"; view: JobView; etag: string }
  | { kind: "not-modified"; etag: string }
  | { kind: "rejected"; problem: Problem };

const notFound = (jobId: string): ReadOutcome => ({
  kind: "rejected",
  problem: problem("not-found", `No job ${jobId} for this user.`),
});

/** Another user's job reads exactly like a missing one: ids must not leak who else uses the queue. */
async function ownJob(deps: Deps, userId: string, jobId: string): Promise<VersionedJob | undefined> {
  if (!JOB_ID.test(jobId)) return undefined;
  const found = await deps.store.getJob(jobId);
  return found !== undefined && found.job.userId === userId ? found : undefined;
}

/**
 * `GET /v1/jobs/{id}`: the owner's view with an ETag. With `ifNoneMatch` equal to the current ETag it
 * answers not-modified; with `waitSeconds` it first holds until the job changes or the time passes
 * (long-poll), so a polling client makes one request per change instead of one per interval.
 */
export async function readJob(
  deps: Deps,
  query: {
    userId: string;
    jobId: string;
    ifNoneMatch?: string | undefined;
    waitSeconds?: number | undefined;
  },
): Promise<ReadOutcome> {
  let found = await ownJob(deps, query.userId, query.jobId);
  if (found === undefined) return notFound(query.jobId);
  const known = query.ifNoneMatch ?? etagOf(found.version);
  if (query.waitSeconds !== undefined && query.waitSeconds > 0 && known === etagOf(found.version)) {
    found =
      (await deps.store.waitForJobChange(query.jobId, found.version, query.waitSeconds * 1000)) ?? found;
  }
  const etag = etagOf(found.version);
  if (query.ifNoneMatch !== undefined && query.ifNoneMatch === etag) return { kind: "not-modified", etag };
  return { kind: "job", view: toJobView(found.job), etag };
}

export type ResultOutcome = { kind: "image"; png: Buffer } | { kind: "rejected"; problem: Problem };

/** `GET /v1/jobs/{id}/result?index=i`: one image's PNG bytes; conflict while the job is not completed. */
export async function readResult(
  deps: Deps,
  query: { userId: string; jobId: string; index: number },
): Promise<ResultOutcome> {
  const found = await ownJob(deps, query.userId, query.jobId);
  if (found === undefined) return notFound(query.jobId) as ResultOutcome;
  const { job } = found;
  if (job.status !== "completed" || job.result === null) {
    return {
      kind: "rejected",
      problem: problem("conflict", `Job ${job.id} is ${job.status}, not completed.`, {
        jobStatus: job.status,
      }),
    };
  }
  const image = job.result.images[query.index];
  if (image === undefined) {
    return {
      kind: "rejected",
      problem: problem(
        "not-found",
        `Job ${job.id} has ${job.result.images.length} images; index ${query.index} does not exist.`,
      ),
    };
  }
  return { kind: "image", png: Buffer.from(image.base64, "base64") };
}

export type ListOutcome =
  { kind: "page"; jobs: JobView[]; nextCursor: string | null } | { kind: "rejected"; problem: Problem };

/** `GET /v1/jobs?status=&limit=&cursor=`: the caller's jobs, newest first. `limit` 1..100, default 20. */
export async function listJobs(
  deps: Deps,
  query: {
    userId: string;
    status?: string | undefined;
    limit?: string | undefined;
    cursor?: string | undefined;
  },
): Promise<ListOutcome> {
  const errors = [];
  if (query.status !== undefined && !isJobStatus(query.status)) {
    errors.push({
      path: "status",
      message: "must be one of queued, processing, completed, failed, cancelled",
    });
  }
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    errors.push({ path: "limit", message: "must be an integer from 1 to 100" });
  if (errors.length > 0)
    return { kind: "rejected", problem: problem("validation-error", "Invalid query.", { errors }) };
  try {
    const page = await deps.store.listUserJobs(query.userId, {
      status: query.status,
      limit,
      cursor: query.cursor,
    });
    return { kind: "page", jobs: page.jobs.map(toJobView), nextCursor: page.nextCursor };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return {
      kind: "rejected",
      problem: problem("validation-error", "Invalid query.", {
        errors: [{ path: "cursor", message: error.message }],
      }),
    };
  }
}
