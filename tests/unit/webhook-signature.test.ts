import { describe, expect, it } from "vitest";
import {
  verifyWebhook,
  WebhookVerificationError,
  type WebhookHeaders,
} from "../../shared/client/verify-webhook.ts";
import {
  checkSignature,
  isSigningSecret,
  newSigningSecret,
  SECRET_BYTES,
  signatureHeader,
  signMessage,
} from "../../shared/webhooks/webhook-signature.ts";

// The published Standard Webhooks test vector: any receiver library for the spec must agree with it.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const NOW_MS = TIMESTAMP * 1000;

const OTHER_SECRET = "whsec_" + btoa("another secret, 32 bytes long!!!");

const vectorHeaders = (
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> => ({
  "webhook-id": ID,
  "webhook-timestamp": String(TIMESTAMP),
  "webhook-signature": SIGNATURE,
  ...overrides,
});

/** The failure `verifyWebhook` throws, or undefined when it verifies. */
async function refusal(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array = BODY,
  now = NOW_MS,
): Promise<string | undefined> {
  try {
    await verifyWebhook(secret, headers, body, { now });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).reason;
  }
}

describe("signing a webhook", () => {
  it.each([
    ["with the whsec_ prefix", SECRET],
    ["without the prefix", SECRET.slice("whsec_".length)],
  ])("gives the Standard Webhooks test vector's signature %s", async (_, secret) => {
    expect(await signMessage(secret, ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("makes new secrets of whsec_ and 32 random key bytes, each different", () => {
    const [a, b] = [newSigningSecret(), newSigningSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(atob(a.slice("whsec_".length))).toHaveLength(SECRET_BYTES);
    expect(SECRET_BYTES).toBe(32);
    expect(isSigningSecret(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it.each([
    { name: "the test vector's secret", secret: SECRET, valid: true },
    { name: "a key without the prefix", secret: SECRET.slice("whsec_".length), valid: true },
    { name: "24 key bytes", secret: "whsec_" + btoa("x".repeat(24)), valid: true },
    { name: "64 key bytes", secret: "whsec_" + btoa("x".repeat(64)), valid: true },
    { name: "23 key bytes", secret: "whsec_" + btoa("x".repeat(23)), valid: false },
    { name: "65 key bytes", secret: "whsec_" + btoa("x".repeat(65)), valid: false },
    { name: "an empty key", secret: "whsec_", valid: false },
    { name: "a key that is not base64", secret: "whsec_" + "!".repeat(44), valid: false },
    { name: "a key with a space", secret: "whsec_" + btoa("x".repeat(32)).replace("e", " "), valid: false },
    { name: "base64 characters of a wrong length", secret: "whsec_" + "A".repeat(33), valid: false },
    { name: "misplaced padding", secret: "whsec_" + "A".repeat(34) + "=", valid: false },
  ])("says whether $name is a signing secret: $valid", ({ secret, valid }) => {
    expect(isSigningSecret(secret)).toBe(valid);
  });

  it("signs with every secret of a rotation, space-separated, each verifying with its own", async () => {
    const header = await signatureHeader([SECRET, OTHER_SECRET], ID, TIMESTAMP, BODY);
    const parts = header.split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(SIGNATURE);
    expect(parts[1]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(parts[1]).toBe(await signMessage(OTHER_SECRET, ID, TIMESTAMP, BODY));
    for (const [secret, signature] of [
      [SECRET, parts[0]],
      [OTHER_SECRET, parts[1]],
    ] as const) {
      const only = { id: ID, timestamp: String(TIMESTAMP), signature };
      expect(await checkSignature(secret, only, BODY, TIMESTAMP)).toBeUndefined();
    }
  });

  it("checkSignature finds nothing wrong with a valid signature", async () => {
    const headers = { id: ID, timestamp: String(TIMESTAMP), signature: SIGNATURE };
    expect(await checkSignature(SECRET, headers, BODY, TIMESTAMP)).toBeUndefined();
  });
});

describe("verifying a webhook delivery", () => {
  it.each<{ name: string; headers: WebhookHeaders; body: string | Uint8Array }>([
    { name: "headers as a plain record", headers: vectorHeaders(), body: BODY },
    {
      name: "header names in mixed case",
      headers: { "Webhook-Id": ID, "WEBHOOK-TIMESTAMP": String(TIMESTAMP), "webhook-Signature": SIGNATURE },
      body: BODY,
    },
    {
      name: "a Fetch Headers object",
      headers: new Headers(vectorHeaders() as Record<string, string>),
      body: BODY,
    },
    { name: "the body as bytes", headers: vectorHeaders(), body: new TextEncoder().encode(BODY) },
    {
      name: "a wrong signature listed before the right one (rotation)",
      headers: vectorHeaders({ "webhook-signature": `v1,${btoa("x".repeat(32))} ${SIGNATURE}` }),
      body: BODY,
    },
    {
      name: "another version's signature beside the v1 one",
      headers: vectorHeaders({ "webhook-signature": `v2,${SIGNATURE.slice(3)} ${SIGNATURE}` }),
      body: BODY,
    },
  ])("accepts the test vector with $name and returns the parsed body", async ({ headers, body }) => {
    expect(await verifyWebhook(SECRET, headers, body, { now: NOW_MS })).toEqual({ test: 2432232314 });
  });

  it.each<{
    name: string;
    secret?: string;
    headers?: WebhookHeaders;
    body?: string;
    now?: number;
    reason: string;
  }>([
    { name: "a changed body", body: '{"test": 2432232315}', reason: "no-matching-signature" },
    { name: "a wrong secret", secret: OTHER_SECRET, reason: "no-matching-signature" },
    {
      name: "a changed id",
      headers: vectorHeaders({ "webhook-id": ID + "x" }),
      reason: "no-matching-signature",
    },
    {
      name: "a changed timestamp",
      headers: vectorHeaders({ "webhook-timestamp": String(TIMESTAMP + 1) }),
      reason: "no-matching-signature",
    },
    {
      name: "only another version's signature",
      headers: vectorHeaders({ "webhook-signature": `v2,${SIGNATURE.slice(3)}` }),
      reason: "no-matching-signature",
    },
    {
      name: "a signature without its version",
      headers: vectorHeaders({ "webhook-signature": SIGNATURE.slice(3) }),
      reason: "no-matching-signature",
    },
    { name: "a timestamp 301 s old", now: NOW_MS + 301_000, reason: "timestamp-out-of-tolerance" },
    { name: "a timestamp 301 s ahead", now: NOW_MS - 301_000, reason: "timestamp-out-of-tolerance" },
    {
      name: "a non-numeric timestamp",
      headers: vectorHeaders({ "webhook-timestamp": "soon" }),
      reason: "bad-timestamp",
    },
    {
      name: "a fractional timestamp",
      headers: vectorHeaders({ "webhook-timestamp": "1614265330.5" }),
      reason: "bad-timestamp",
    },
    { name: "no webhook-id", headers: vectorHeaders({ "webhook-id": undefined }), reason: "missing-headers" },
    {
      name: "no webhook-timestamp",
      headers: vectorHeaders({ "webhook-timestamp": undefined }),
      reason: "missing-headers",
    },
    {
      name: "no webhook-signature",
      headers: vectorHeaders({ "webhook-signature": undefined }),
      reason: "missing-headers",
    },
    {
      name: "an empty webhook-signature",
      headers: vectorHeaders({ "webhook-signature": "" }),
      reason: "missing-headers",
    },
    { name: "no headers at all", headers: new Headers(), reason: "missing-headers" },
  ])("refuses $name: $reason", async (c) => {
    expect(
      await refusal(c.secret ?? SECRET, c.headers ?? vectorHeaders(), c.body ?? BODY, c.now ?? NOW_MS),
    ).toBe(c.reason);
  });

  it.each([-300_000, 300_000, 300_999])(
    "accepts a timestamp %i ms from now (within 300 s)",
    async (offset) => {
      expect(await refusal(SECRET, vectorHeaders(), BODY, NOW_MS + offset)).toBeUndefined();
    },
  );

  it("honours a tolerance of its own", async () => {
    const verify = (toleranceSeconds: number) =>
      verifyWebhook(SECRET, vectorHeaders(), BODY, { now: NOW_MS + 60_000, toleranceSeconds });
    await expect(verify(60)).resolves.toEqual({ test: 2432232314 });
    await expect(verify(59)).rejects.toMatchObject({ reason: "timestamp-out-of-tolerance" });
  });

  it("refuses a validly signed body that is not JSON as not-json", async () => {
    const body = "plain text, signed";
    const headers = vectorHeaders({ "webhook-signature": await signMessage(SECRET, ID, TIMESTAMP, body) });
    const error = await verifyWebhook(SECRET, headers, body, { now: NOW_MS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toMatchObject({ name: "WebhookVerificationError", reason: "not-json" });
    expect((error as Error).message).toBe("webhook did not verify: not-json");
  });

  it("verifies what signatureHeader produced for a real payload", async () => {
    const secret = newSigningSecret();
    const body = JSON.stringify({ type: "job.completed", timestamp: "2026-12-03T12:00:00.000Z", data: {} });
    const timestamp = 1_800_000_000;
    const headers = new Headers({
      "webhook-id": "job-42:completed",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signatureHeader([OTHER_SECRET, secret], "job-42:completed", timestamp, body),
    });
    const payload = await verifyWebhook(secret, headers, body, { now: timestamp * 1000 });
    expect(payload).toMatchObject({ type: "job.completed" });
  });
});
