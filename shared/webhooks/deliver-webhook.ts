import { decide } from "../lifecycle/decide.ts";
import { decideContext } from "../lifecycle/apply-change.ts";
import type { ProcessDeps } from "../deps.ts";
import { FIXED_WEBHOOK_QUEUE_SETTINGS } from "../queue-settings.ts";
import type { Job } from "../store/job-document.ts";
import type { VersionedJob } from "../store/job-store.ts";
import { signingSecrets } from "../store/webhook-secrets.ts";
import { toJobView } from "../submission/job-view.ts";
import {
  WEBHOOK_ENQUEUE_GRACE_MS,
  type WebhookAttempt,
  type WebhookMessage,
  type WebhookMessageState,
  type WebhookTaskRequest,
} from "./job-webhook.ts";
import type { WebhookResponse } from "./webhook-sender.ts";
import { newSigningSecret, signatureHeader } from "./webhook-signature.ts";
import { vetWebhookUrl } from "./webhook-target.ts";

/** What one delivery of a webhook task came to; `retry` asks Cloud Tasks to deliver it again. */
export type WebhookOutcome =
  | { kind: "delivered" | "failed" | "refused" | "retry"; attempt: WebhookAttempt }
  | { kind: "skipped"; reason: "no-job" | "no-message" | "not-pending" };

/** Sent as `User-Agent`, so receivers (and their firewalls) can tell our deliveries apart. */
export const WEBHOOK_USER_AGENT = "pixellab-generation-queue-webhooks/1";

/**
 * Delivers one webhook message, once: reads the job, checks the URL again (DNS may have changed since
 * the submit: an address webhooks may not reach refuses the message for good), signs the payload
 * with the owner's secret(s) and POSTs it to the vetted address, then records the attempt on the job.
 * A non-2xx, a timeout or a failed connection leaves the message pending and answers `retry`, so the
 * webhook queue's retry policy delivers it again, until its last attempt marks it failed. A
 * redelivery of a message already settled does nothing (`skipped`).
 *
 * `retryCount` is Cloud Tasks' `X-CloudTasks-TaskRetryCount` (0 on the first attempt).
 * Operations: 2 reads (the job, the secret; +1 write the first time a user's secret is made) and 1
 * write (the attempt); none for a skipped redelivery beyond the job's read.
 */
export async function deliverWebhook(
  deps: ProcessDeps,
  task: WebhookTaskRequest,
  retryCount: number,
): Promise<WebhookOutcome> {
  const found = await deps.store.getJob(task.jobId);
  if (found === undefined) return { kind: "skipped", reason: "no-job" };
  const message = found.job.webhook?.messages.find((m) => m.id === task.messageId);
  if (message === undefined) return { kind: "skipped", reason: "no-message" };
  if (message.state !== "pending") return { kind: "skipped", reason: "not-pending" };
  const started = deps.clock.now();
  const response = await send(deps, found.job, message, started);
  const attempt: WebhookAttempt = {
    at: started,
    status: "status" in response ? response.status : null,
    error: "error" in response ? response.error : null,
    durationMs: deps.clock.now() - started,
  };
  const state = nextState(response, retryCount);
  await record(deps, found, message.id, attempt, state, retryCount);
  const kind = state === "pending" ? "retry" : state;
  deps.metrics.add("webhookDeliveries", { event: message.type, outcome: kind });
  return { kind, attempt };
}

/** The message's state after this attempt's answer. */
function nextState(response: WebhookResponse | { refused: string }, retryCount: number): WebhookMessageState {
  if ("refused" in response) return "refused";
  if ("status" in response && response.status >= 200 && response.status < 300) return "delivered";
  const last = retryCount + 1 >= FIXED_WEBHOOK_QUEUE_SETTINGS.retry.maxAttempts;
  return last ? "failed" : "pending";
}

async function send(
  deps: ProcessDeps,
  job: Job,
  message: WebhookMessage,
  now: number,
): Promise<WebhookResponse | { refused: string; error: string }> {
  const url = (job.webhook as NonNullable<Job["webhook"]>).url;
  const target = await vetWebhookUrl(url, deps.resolveHost, deps.config.webhooks);
  if (!target.ok) return { refused: target.refusal, error: target.refusal };
  const secrets = await deps.store.webhookSecret(job.userId, newSigningSecret(), now);
  const body = webhookBody(job, message);
  const timestamp = Math.floor(now / 1000);
  const signature = await signatureHeader(signingSecrets(secrets, now), message.id, timestamp, body);
  return deps.sendWebhook({
    url: target.url,
    address: target.address,
    family: target.family,
    body,
    timeoutMs: deps.config.webhooks.timeoutMs,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": WEBHOOK_USER_AGENT,
      "webhook-id": message.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    },
  });
}

/**
 * The payload, the same on every attempt: the event, when it happened, and the job as
 * `GET /v1/jobs/{id}` shows it (result images included), without its webhook's delivery record.
 */
export function webhookBody(job: Job, message: Pick<WebhookMessage, "type" | "at">): string {
  const { webhook: _webhook, ...data } = toJobView(job);
  return JSON.stringify({ type: message.type, timestamp: new Date(message.at).toISOString(), data });
}

/**
 * Records the attempt (1 write, no read: the job as just read is `known`). While the message stays
 * pending, the sweeper's next look is after the queue's next retry could have come: twice its
 * backoff for this retry, plus the delivery's timeout and the grace.
 */
async function record(
  deps: ProcessDeps,
  found: VersionedJob,
  messageId: string,
  attempt: WebhookAttempt,
  state: WebhookMessageState,
  retryCount: number,
): Promise<void> {
  const { minBackoffSeconds, maxBackoffSeconds, maxDoublings } = FIXED_WEBHOOK_QUEUE_SETTINGS.retry;
  const backoffS = Math.min(maxBackoffSeconds, minBackoffSeconds * 2 ** Math.min(retryCount, maxDoublings));
  const now = deps.clock.now();
  const checkAt = now + 2 * backoffS * 1000 + deps.config.webhooks.timeoutMs + WEBHOOK_ENQUEUE_GRACE_MS;
  const change = { type: "webhook-attempt" as const, messageId, attempt, state, checkAt };
  const ctx = decideContext(deps, now);
  const applied = await deps.store.apply(found.job.id, (job) => decide(job, change, ctx), found);
  if (!applied.ok && applied.reason !== "moved-on") {
    throw new Error(`could not record webhook attempt on ${found.job.id}: ${applied.message}`);
  }
}
