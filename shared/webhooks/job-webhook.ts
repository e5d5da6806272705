import { isTerminal } from "../job-state.ts";
import type { Job } from "../store/job-document.ts";

/** The events a job's webhook may ask for: the job's three ends. */
export const WEBHOOK_EVENTS = ["job.completed", "job.failed", "job.cancelled"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Attempts kept on a message: the webhook queue's `maxAttempts` (12), and a few redeliveries. */
export const MAX_RECORDED_ATTEMPTS = 16;

/**
 * How long after a message is due a delivery must have started before the sweeper creates its task
 * again (the enqueue after the job's terminal commit failed, or its task was lost), in ms.
 * @defaultValue 120_000 (2 min)
 */
export const WEBHOOK_ENQUEUE_GRACE_MS = 120_000;

/** One delivery attempt as recorded on the job. Times in ms since the epoch. */
export interface WebhookAttempt {
  at: number;
  /** The receiver's HTTP status, or null when no answer came (timeout, refused, reset). */
  status: number | null;
  /** What went wrong when there was no 2xx (`timeout`, `connection-refused`, `private`, ...), else null. */
  error: string | null;
  durationMs: number;
}

/**
 * - `pending`: being delivered (Cloud Tasks retries it);
 * - `delivered`: a 2xx came back;
 * - `failed`: every attempt the webhook queue allows failed;
 * - `refused`: at delivery, the URL resolved to an address webhooks may not reach (never sent).
 */
export const WEBHOOK_MESSAGE_STATES = ["pending", "delivered", "failed", "refused"] as const;
export type WebhookMessageState = (typeof WEBHOOK_MESSAGE_STATES)[number];

/** One webhook message: an event of the job, delivered at least once under its stable `id`. */
export interface WebhookMessage {
  /** The `webhook-id` header, the same on every attempt, so receivers can drop repeats. */
  id: string;
  type: WebhookEvent;
  /** When the event happened, ms since the epoch (the payload's `timestamp`). */
  at: number;
  state: WebhookMessageState;
  attempts: WebhookAttempt[];
}

/** A job's webhook: where to, for which events, and every message it has produced. */
export interface JobWebhook {
  url: string;
  events: WebhookEvent[];
  messages: WebhookMessage[];
  /**
   * When the sweeper should look for a pending message whose delivery never started (ms since the
   * epoch), or null when none is pending. Every recorded attempt moves it past the queue's next retry.
   */
  checkAt: number | null;
}

/** What the webhook task carries: the job and the message to deliver. */
export interface WebhookTaskRequest {
  jobId: string;
  messageId: string;
}

/**
 * The message id of a job's end: one per job, end and run (a dead-letter replay's later end is a
 * new message). Also the task's name, so creating it twice creates one task.
 */
export function webhookMessageId(jobId: string, type: WebhookEvent, run: number): string {
  const event = type.slice("job.".length);
  return run === 0 ? `msg_${jobId}_${event}` : `msg_${jobId}_${event}_r${run}`;
}

/**
 * The message a job's change produces, if any: the job has just ended (it was not ended `before`),
 * it has a webhook, and the webhook wants this end. The job comes back with the message pending and
 * the sweeper's check set; the caller creates the task after committing.
 */
export function endMessage(
  before: Pick<Job, "status"> | null,
  job: Job,
  now: number,
): { job: Job; task: WebhookTaskRequest } | null {
  const webhook = job.webhook;
  if (webhook === null || !isTerminal(job.status)) return null;
  if (before !== null && isTerminal(before.status)) return null;
  const type = `job.${job.status}` as WebhookEvent;
  if (!webhook.events.includes(type)) return null;
  const id = webhookMessageId(job.id, type, job.run);
  if (webhook.messages.some((m) => m.id === id)) return null;
  const message: WebhookMessage = { id, type, at: now, state: "pending", attempts: [] };
  const next: JobWebhook = {
    ...webhook,
    messages: [...webhook.messages, message],
    checkAt: now + WEBHOOK_ENQUEUE_GRACE_MS,
  };
  return { job: { ...job, webhook: next }, task: { jobId: job.id, messageId: id } };
}

/** The pending messages of a job (what the sweeper re-enqueues). */
export function pendingMessages(webhook: JobWebhook | null): WebhookMessage[] {
  return webhook === null ? [] : webhook.messages.filter((m) => m.state === "pending");
}

/** Whether any of the webhook's messages is still being delivered. */
export function hasPending(webhook: JobWebhook | null): boolean {
  return pendingMessages(webhook).length > 0;
}
