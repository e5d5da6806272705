import { accept, only, refuse, type DecideResult, type JobChange } from "../lifecycle/job-change.ts";
import type { Job } from "../store/job-document.ts";
import { hasPending, MAX_RECORDED_ATTEMPTS, type JobWebhook } from "./job-webhook.ts";

/**
 * The job's webhook after a delivery attempt: the attempt recorded on its message (the latest
 * {@link MAX_RECORDED_ATTEMPTS} kept), the message's new state, and the sweeper's next look while
 * any message is still pending. `updatedAt` stays: the job itself did not change, and the payload a
 * receiver gets is the same on every attempt.
 */
export function webhookAttempted(
  job: Job,
  change: Extract<JobChange, { type: "webhook-attempt" }>,
): DecideResult {
  const webhook = job.webhook;
  const message = webhook?.messages.find((m) => m.id === change.messageId);
  if (webhook === null || message === undefined) return refuse("illegal", "no such webhook message");
  if (message.state !== "pending") return refuse("moved-on", `webhook message is ${message.state}`);
  const attempts = [...message.attempts, change.attempt].slice(-MAX_RECORDED_ATTEMPTS);
  const messages = webhook.messages.map((m) =>
    m.id === message.id ? { ...m, attempts, state: change.state } : m,
  );
  const stillPending = messages.some((m) => m.state === "pending");
  const next: JobWebhook = { ...webhook, messages, checkAt: stillPending ? change.checkAt : null };
  return accept(only({ ...job, webhook: next }));
}

/** The sweeper's next look at a job whose pending message it just enqueued again. */
export function webhookRescheduled(job: Job, checkAt: number): DecideResult {
  const webhook = job.webhook;
  if (webhook === null || !hasPending(webhook)) {
    return refuse("moved-on", "no webhook message is pending");
  }
  return accept(only({ ...job, webhook: { ...webhook, checkAt } }));
}
