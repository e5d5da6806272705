import type { Deps } from "../deps.ts";
import type { TaskRequest } from "../ports/task-scheduler.ts";
import type { Job } from "../store/job-document.ts";
import { recordDecision } from "../telemetry/decision-metrics.ts";
import type { Decision } from "./job-change.ts";

/**
 * Does what a committed decision leaves for after its transaction: events go out without being
 * waited for (a slow or paused Pub/Sub must never delay the work they describe; the functions flush
 * them, bounded, before answering), a task no longer needed is deleted (best effort), and the next
 * attempt's task is created. A failed enqueue throws: the caller decides whether to answer 5xx (the
 * handler, so Cloud Tasks redelivers) or to leave it to the sweeper, which finds a queued job
 * without a task after `SWEEP_STALE_MS`. `before` is the job the decision was made on (the
 * `before` of the store's outcome), for the metrics of what it changed.
 */
export async function carryOut(deps: Deps, decision: Decision, before: Job): Promise<void> {
  // Counted first: the decision is committed whatever happens to its task below.
  recordDecision(deps.metrics, before, decision.job);
  for (const event of decision.events) void deps.events.publish(event);
  const gone = decision.removeTask;
  if (gone !== null) {
    await deps.tasks.remove(decision.job.id, gone.attempt, gone.run).catch((error: unknown) => {
      // The handler refuses jobs that moved on, so a surviving task costs one no-op delivery.
      deps.logger.warn({ err: error, jobId: decision.job.id }, "could not delete a task no longer needed");
    });
  }
  if (decision.task !== null) await enqueueAttempt(deps, decision.task);
}

/**
 * The one place a job's attempt is put on the queue (admission, retries, lease settlements,
 * sweeper rescues, replays). Task names are deterministic per job, attempt and run, so calling this
 * twice for the same attempt creates one task.
 */
export async function enqueueAttempt(deps: Deps, task: TaskRequest): Promise<void> {
  await deps.tasks.enqueue(task);
}
