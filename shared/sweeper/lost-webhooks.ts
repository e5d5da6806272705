import type { Deps } from "../deps.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import type { Job } from "../store/job-document.ts";
import { pendingMessages } from "../webhooks/job-webhook.ts";
import { SWEEP_MAX_DOCS, tallyAll, type Tally } from "./tally.ts";

export type WebhookFix = "rescued" | "moved-on";

/**
 * How long after a rescue the sweeper looks at the job again, in ms: by then its task has been
 * delivered at least once (and recorded an attempt, which moves the look on), unless Cloud Tasks
 * still held the name of a finished task (about an hour), which a later look gets past.
 * @defaultValue 1_800_000 (30 min)
 */
export const WEBHOOK_RECHECK_MS = 1_800_000;

/**
 * Creates again the tasks of webhook messages that are pending past their `checkAt`: the enqueue
 * after the job's end failed (Cloud Tasks down, the instance gone), or no delivery has been recorded
 * for longer than the webhook queue's next retry. Task names are the message ids, so a task that
 * still exists is not doubled (ALREADY_EXISTS counts as success). Operations per job: the query's
 * read, one CreateTask per pending message, one write (the next look).
 */
export async function rescueLostWebhooks(deps: Deps, now: number): Promise<Tally<WebhookFix>> {
  const jobs = await deps.store.dueWebhooks(now, SWEEP_MAX_DOCS);
  const tally: Tally<WebhookFix> = {};
  await tallyAll(
    tally,
    jobs,
    (job) => rescue(deps, job, now),
    (job, err) => deps.logger.error({ err, jobId: job.id }, "sweeper: could not re-enqueue a webhook"),
  );
  return tally;
}

async function rescue(deps: Deps, job: Job, now: number): Promise<WebhookFix> {
  const pending = pendingMessages(job.webhook);
  for (const message of pending) await deps.tasks.enqueueWebhook({ jobId: job.id, messageId: message.id });
  const applied = await applyChange(
    deps,
    job.id,
    { type: "webhook-rescheduled", checkAt: now + WEBHOOK_RECHECK_MS },
    now,
  );
  if (!applied.ok) return "moved-on";
  deps.logger.warn(
    { jobId: job.id, webhookIds: pending.map((m) => m.id) },
    "sweeper: re-enqueued webhook deliveries",
  );
  return "rescued";
}
