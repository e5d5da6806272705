import type { Deps } from "../deps.ts";
import type { WebhookSecrets } from "../store/webhook-secrets.ts";
import { newSigningSecret } from "./webhook-signature.ts";

/** The caller's signing secret as the API answers it (`webhookSecretSchema`). */
export interface WebhookSecretView {
  secret: string;
  createdAt: string;
  /** Until when deliveries also carry a signature by the secret rotated out, or null. */
  previousSecretExpiresAt: string | null;
}

function view(secrets: WebhookSecrets, now: number): WebhookSecretView {
  const expires = secrets.previousExpiresAt;
  return {
    secret: secrets.current,
    createdAt: new Date(secrets.createdAt).toISOString(),
    previousSecretExpiresAt: expires !== null && expires > now ? new Date(expires).toISOString() : null,
  };
}

/** `GET /v1/webhook-secret`: the user's secret, made on first use (1 read; +1 write the first time). */
export async function readWebhookSecret(deps: Deps, userId: string): Promise<WebhookSecretView> {
  const now = deps.clock.now();
  return view(await deps.store.webhookSecret(userId, newSigningSecret(), now), now);
}

/**
 * `POST /v1/webhook-secret/rotate`: a new secret. The one it replaces still signs, beside it, for
 * `WEBHOOK_SECRET_GRACE_HOURS` (24 h), so a receiver can switch without dropping deliveries
 * (1 read, 1 write).
 */
export async function rotateWebhookSecret(deps: Deps, userId: string): Promise<WebhookSecretView> {
  const now = deps.clock.now();
  const until = now + deps.config.webhooks.secretGraceMs;
  return view(await deps.store.rotateWebhookSecret(userId, newSigningSecret(), now, until), now);
}
