import { dispatchDeadlineMs } from "../deadlines.ts";
import type { TaskRequest } from "../ports/task-scheduler.ts";
import type { Job } from "../store/job-document.ts";

/**
 * Largest job a task carries, in bytes of its JSON. Cloud Tasks accepts HTTP tasks up to 1 MB, but a
 * job's input can be about as large as its Firestore document (1 MiB): such a job is read by its
 * claim instead. 32 KiB holds every job without large inline images. @defaultValue 32_768
 */
export const KNOWN_JOB_MAX_BYTES = 32_768;

/**
 * The task that runs a queued job's next attempt (`attempts + 1`, under its current run), not before
 * its scheduled retry time. Every place that queues a job asks here, so names and deadlines agree,
 * and every task (the first, retries, sweeper rescues, replays) carries the job's stored trace
 * context, so all its attempts land in the submit's trace.
 *
 * `version`: the job's document version after the write that queued it, when the caller knows it
 * (the admission; `carryOut` adds it to the tasks of committed decisions). The task then carries the job as written, and its claim commits against that
 * version without reading the job first; if anything wrote the job since (a cancel, the sweeper, a
 * duplicate delivery's claim), the version no longer matches and the claim reads it after all.
 */
export function nextTask(job: Job, version?: string): TaskRequest {
  const task: TaskRequest = {
    jobId: job.id,
    attempt: job.attempts + 1,
    run: job.run,
    lane: job.priority,
    ...(job.nextAttemptAt !== null && { notBeforeMs: job.nextAttemptAt }),
    dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
    ...(job.traceparent !== null && { traceparent: job.traceparent }),
  };
  return version === undefined ? task : withKnownJob(task, job, version);
}

/**
 * `task` carrying `job` as committed at `version`, when the task is that job's next attempt (a
 * carried job is only ever the task's own) and the job's JSON fits {@link KNOWN_JOB_MAX_BYTES}.
 */
export function withKnownJob(task: TaskRequest, job: Job, version: string): TaskRequest {
  const isNext = task.jobId === job.id && task.attempt === job.attempts + 1 && task.run === job.run;
  const fits = Buffer.byteLength(JSON.stringify(job), "utf8") <= KNOWN_JOB_MAX_BYTES;
  return isNext && fits ? { ...task, known: { job, version } } : task;
}
