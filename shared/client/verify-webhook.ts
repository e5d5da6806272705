import type { JobView } from "../submission/job-view.ts";
import type { WebhookEvent } from "../webhooks/job-webhook.ts";
import {
  checkSignature,
  TIMESTAMP_TOLERANCE_SECONDS,
  type VerificationFailure,
} from "../webhooks/webhook-signature.ts";

/** What a webhook delivery carries: the job's end, when it happened, and the job as `GET` shows it. */
export interface WebhookPayload {
  type: WebhookEvent;
  /** When the job ended (RFC 3339). */
  timestamp: string;
  data: Omit<JobView, "webhook">;
}

/** A delivery that did not verify; `reason` says why (a missing header, a stale timestamp, no match). */
export class WebhookVerificationError extends Error {
  readonly reason: VerificationFailure | "not-json";
  constructor(reason: VerificationFailure | "not-json") {
    super(`webhook did not verify: ${reason}`);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}

/** Headers as Node's `IncomingMessage`, Express or the Fetch API give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(" ") : value;
}

/**
 * Verifies a webhook delivery by the Standard Webhooks rules and returns its payload: `secret` is the
 * user's signing secret (`GET /v1/webhook-secret`), `body` the raw request body exactly as received
 * (verify before parsing: re-serialised JSON does not match). Throws {@link WebhookVerificationError}
 * when a header is missing, the timestamp is more than `toleranceSeconds` (300) from `now` (ms,
 * default the clock), or no signature matches. Receivers should then drop repeats by `webhook-id`.
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: { toleranceSeconds?: number; now?: number } = {},
): Promise<WebhookPayload> {
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  const failure = await checkSignature(
    secret,
    {
      id: header(headers, "webhook-id"),
      timestamp: header(headers, "webhook-timestamp"),
      signature: header(headers, "webhook-signature"),
    },
    text,
    Math.floor((options.now ?? Date.now()) / 1000),
    options.toleranceSeconds ?? TIMESTAMP_TOLERANCE_SECONDS,
  );
  if (failure !== undefined) throw new WebhookVerificationError(failure);
  try {
    return JSON.parse(text) as WebhookPayload;
  } catch {
    throw new WebhookVerificationError("not-json");
  }
}
