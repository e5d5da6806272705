import { AUTHENTICATED, json, ref, type Operation } from "./openapi-parts.ts";
import { WEBHOOK_EVENTS } from "../webhooks/job-webhook.ts";

const NO_STORE = { "Cache-Control": { description: "`no-store`.", schema: { type: "string" } } };

const readSecret: Operation = {
  operationId: "getWebhookSecret",
  summary: "The caller's webhook signing secret (made on first use)",
  description:
    "Every delivery of the caller's job webhooks is signed with it (Standard Webhooks, HMAC-SHA256). " +
    "Verify with any Standard Webhooks library, or the client library's `verifyWebhook`.",
  responses: {
    "200": { description: "The secret.", headers: NO_STORE, content: json(ref("WebhookSecret")) },
    ...AUTHENTICATED,
  },
};

const rotateSecret: Operation = {
  operationId: "rotateWebhookSecret",
  summary: "Replace the caller's webhook signing secret",
  description:
    "The new secret signs from now on; the one it replaces still signs beside it (two signatures in " +
    "`webhook-signature`) until `previousSecretExpiresAt` (24 h by default), so receivers can switch.",
  responses: {
    "200": { description: "The new secret.", headers: NO_STORE, content: json(ref("WebhookSecret")) },
    ...AUTHENTICATED,
  },
};

/** The caller's webhook secret routes. */
export const WEBHOOK_SECRET_PATHS = {
  "/v1/webhook-secret": { get: readSecret },
  "/v1/webhook-secret/rotate": { post: rotateSecret },
};

const header = (name: string, description: string) => ({
  name,
  in: "header",
  required: true,
  description,
  schema: { type: "string" },
});

/**
 * OpenAPI 3.1's `webhooks`: what the queue POSTs to a job's `options.webhook.url`, one entry per
 * event. The receiver answers any 2xx to take it; anything else (or no answer within 10 s) is
 * retried with backoff for about 5 h 40 min, under the same `webhook-id`.
 */
export function webhookOperations(): Record<string, { post: Operation }> {
  const entries = WEBHOOK_EVENTS.map((event) => [
    event,
    {
      post: {
        operationId: `webhook_${event.replace(".", "_")}`,
        summary: `The job ended: ${event.slice("job.".length)}`,
        security: [],
        parameters: [
          header("webhook-id", "The message id: the same on every attempt; drop repeats by it."),
          header("webhook-timestamp", "Seconds since the epoch of this attempt; refuse ones far off."),
          header("webhook-signature", "`v1,<base64 HMAC-SHA256>` per signing secret, space-separated."),
        ],
        requestBody: { required: true, content: json(ref("WebhookPayload")) },
        responses: {
          "2XX": { description: "Taken: no more attempts." },
          default: { description: "Not taken: delivered again with backoff." },
        },
      },
    },
  ]);
  return Object.fromEntries(entries);
}
