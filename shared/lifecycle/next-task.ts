import { dispatchDeadlineMs } from "../deadlines.ts";
import type { TaskRequest } from "../ports/task-scheduler.ts";
import type { Job } from "../store/job-document.ts";

/**
 * The task that runs a queued job's next attempt (`attempts + 1`, under its current run), not before
 * its scheduled retry time. Every place that queues a job asks here, so names and deadlines agree,
 * and every task (the first, retries, sweeper rescues, replays) carries the job's stored trace
 * context, so all its attempts land in the submit's trace.
 */
export function nextTask(job: Job): TaskRequest {
  return {
    jobId: job.id,
    attempt: job.attempts + 1,
    run: job.run,
    ...(job.nextAttemptAt !== null && { notBeforeMs: job.nextAttemptAt }),
    dispatchDeadlineMs: dispatchDeadlineMs(job.timeoutMs),
    ...(job.traceparent !== null && { traceparent: job.traceparent }),
  };
}
