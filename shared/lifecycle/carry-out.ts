import type { Deps } from "../deps.ts";
import type { TaskRequest } from "../ports/task-scheduler.ts";
import type { ApplyOutcome } from "../store/job-store.ts";
import type { WebhookTaskRequest } from "../webhooks/job-webhook.ts";
import { recordDecision } from "../telemetry/decision-metrics.ts";
import { withKnownJob } from "./next-task.ts";

/**
 * Does what a committed decision leaves for after its transaction: events go out without being
 * waited for (a slow or paused Pub/Sub must never delay the work they describe; the functions flush
 * them, bounded, before answering), a task no longer needed is deleted (best effort), and the next
 * attempt's task is created. A failed enqueue throws: the caller decides whether to answer 5xx (the
 * handler, so Cloud Tasks redelivers) or to leave it to the sweeper, which finds a queued job
 * without a task after `SWEEP_STALE_MS`. `applied` is the store's outcome: `before` (the job the
 * decision was made on) for the metrics of what it changed, and the committed version, which the
 * next attempt's task carries with the job so that its claim skips a read (see `nextTask`).
 */
export async function carryOut(deps: Deps, applied: Extract<ApplyOutcome, { ok: true }>): Promise<void> {
  const { decision, before, version } = applied;
  // Counted first: the decision is committed whatever happens to its task below.
  recordDecision(deps.metrics, before, decision.job);
  for (const event of decision.events) void deps.events.publish(event);
  const gone = decision.removeTask;
  if (gone !== null) {
    await deps.tasks
      .remove(decision.job.id, gone.attempt, gone.run, decision.job.priority)
      .catch((error: unknown) => {
        // The handler refuses jobs that moved on, so a surviving task costs one no-op delivery.
        deps.logger.warn({ err: error, jobId: decision.job.id }, "could not delete a task no longer needed");
      });
  }
  if (decision.webhook !== null) await enqueueWebhook(deps, decision.webhook);
  // The next attempt's task carries the job as just committed.
  if (decision.task !== null) await enqueueAttempt(deps, withKnownJob(decision.task, decision.job, version));
}

/**
 * Creates a webhook message's task. A failure is logged, not thrown: the job's end is committed and
 * must not be redone for its webhook, and the sweeper creates the task again once the message's
 * `checkAt` passes (`sweeper/lost-webhooks.ts`).
 */
export async function enqueueWebhook(deps: Deps, task: WebhookTaskRequest): Promise<void> {
  await deps.tasks.enqueueWebhook(task).catch((error: unknown) => {
    deps.logger.warn(
      { err: error, jobId: task.jobId, webhookId: task.messageId },
      "could not enqueue a webhook; the sweeper will",
    );
  });
}

/**
 * The one place a job's attempt is put on the queue (admission, retries, lease settlements,
 * sweeper rescues, replays). Task names are deterministic per job, attempt and run, so calling this
 * twice for the same attempt creates one task.
 */
export async function enqueueAttempt(deps: Deps, task: TaskRequest): Promise<void> {
  await deps.tasks.enqueue(task);
}
