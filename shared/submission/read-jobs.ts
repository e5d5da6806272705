import { jobsAhead, type Lane } from "../lanes.ts";
import { isJobStatus } from "../job-state.ts";
import { problem, type Problem } from "../http/problem.ts";
import { JOB_ID } from "../store/job-document.ts";
import type { Deps } from "../deps.ts";
import type { VersionedJob } from "../store/job-store.ts";
import type { QueueRunState } from "../ports/task-scheduler.ts";
import type { Job } from "../store/job-document.ts";
import { etagOf, toJobView, type JobView } from "./job-view.ts";
import { inRetryWait, waitingReason, type Waiting } from "./waiting-reason.ts";

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
 * A queued job's view says why it waits (`waiting`), worked out at the moment of the answer, and
 * its ETag covers that reason too, so a revalidating browser sees the line move.
 */
export async function readJob(
  deps: Deps,
  query: {
    userId: string;
    jobId: string;
    ifNoneMatch?: string | undefined;
    waitSeconds?: number | undefined;
    /** A lane's queue state (an instance's cache of it). @defaultValue a fresh `deps.tasks.probe(lane)` */
    queueState?: (lane: Lane) => Promise<QueueRunState>;
  },
): Promise<ReadOutcome> {
  let found = await ownJob(deps, query.userId, query.jobId);
  if (found === undefined) return notFound(query.jobId);
  const queueState = query.queueState ?? ((lane: Lane) => deps.tasks.probe(lane));
  let answer = await answerOf(deps, found, queueState);
  const known = query.ifNoneMatch ?? answer.etag;
  if (query.waitSeconds !== undefined && query.waitSeconds > 0 && known === answer.etag) {
    // Held until the stored job changes (a queued job's moving place in line does not wake it).
    const changed = await deps.store.waitForJobChange(query.jobId, found.version, query.waitSeconds * 1000);
    // Timed out: read once more (1 read per held poll), so the answer is the job now even when the
    // listener missed a change (seen on the emulator under load), not the job as the poll began.
    found = changed ?? (await ownJob(deps, query.userId, query.jobId)) ?? found;
    answer = await answerOf(deps, found, queueState);
  }
  if (query.ifNoneMatch !== undefined && query.ifNoneMatch === answer.etag) {
    return { kind: "not-modified", etag: answer.etag };
  }
  return { kind: "job", ...answer };
}

/** The owner's view of the stored job and its ETag; a queued job's says why it waits. */
async function answerOf(
  deps: Deps,
  found: VersionedJob,
  queueState: (lane: Lane) => Promise<QueueRunState>,
): Promise<{ view: JobView; etag: string }> {
  const view: JobView = toJobView(found.job);
  if (found.job.status === "queued") view.waiting = await explainWait(deps, found.job, queueState);
  return { view, etag: etagOf(found.version, view.waiting) };
}

/**
 * Why a queued job waits. Costs its lane's queue state (cached per instance) and, for a job in
 * line, one aggregation read (two for a batch job): the active jobs ahead of it in its lane (one
 * read per 1,000 of them).
 */
async function explainWait(
  deps: Deps,
  job: Job,
  queueState: (lane: Lane) => Promise<QueueRunState>,
): Promise<Waiting | undefined> {
  const now = deps.clock.now();
  const state = await queueState(job.priority);
  // Neither a paused queue nor a scheduled retry needs the line's length.
  const inLine = state === "running" && !inRetryWait(job, now);
  const position = inLine ? await placeInLine(deps, job) : 0;
  const { queueConcurrency: concurrency, expectedJobMs } = deps.config;
  return waitingReason(job, { now, queueState: state, position, concurrency, expectedJobMs });
}

/** Active jobs ahead of a queued job in its lane (`lanes.ts`). */
async function placeInLine(deps: Deps, job: Job): Promise<number> {
  const lane = job.priority;
  const [before, interactive] = await Promise.all([
    deps.store.countLaneSlots(lane, job.createdAt),
    lane === "batch" ? deps.store.countLaneSlots("interactive") : Promise.resolve(0),
  ]);
  return jobsAhead(lane, before, interactive);
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
