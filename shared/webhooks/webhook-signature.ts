/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-signature` is one or more
 * space-separated `v1,<base64 HMAC-SHA256>` over `${webhook-id}.${webhook-timestamp}.${body}`, keyed
 * with the base64-decoded part of a `whsec_` secret. Any receiver library for the spec (svix,
 * standardwebhooks) verifies what we send. WebCrypto only, so the client library can use it anywhere.
 */

/** The prefix of a signing secret; the rest is base64 of the key bytes. */
export const SECRET_PREFIX = "whsec_";
/** Key bytes of a new secret (the spec allows 24 to 64). @defaultValue 32 */
export const SECRET_BYTES = 32;
/** How far a `webhook-timestamp` may be from the receiver's clock, in seconds. @defaultValue 300 */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A new random signing secret, `whsec_` + base64 of {@link SECRET_BYTES} random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** Whether `secret` has the form of a signing secret (prefix optional, as the spec's libraries allow). */
export function isSigningSecret(secret: string): boolean {
  const key = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return false;
  try {
    const bytes = fromBase64(key).length;
    return bytes >= 24 && bytes <= 64;
  } catch {
    return false; // the right characters, but not valid base64 (a wrong length or padding)
  }
}

function hmacKey(secret: string): Promise<CryptoKey> {
  const key = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return crypto.subtle.importKey("raw", fromBase64(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/**
 * One `v1,<signature>` of the message, with one secret. `timestamp` in seconds since the epoch, or
 * the `webhook-timestamp` header's text as received (the spec signs the text).
 */
export async function signMessage(
  secret: string,
  id: string,
  timestamp: number | string,
  body: string,
): Promise<string> {
  const content = encoder.encode(`${id}.${timestamp}.${body}`);
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), content);
  return `v1,${base64(new Uint8Array(mac))}`;
}

/**
 * The `webhook-signature` header: a signature per secret, space-separated. During a rotation's grace
 * period both the new and the previous secret sign, so a receiver that still has the old one (or
 * already the new one) accepts the delivery.
 */
export async function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const signatures = await Promise.all(secrets.map((s) => signMessage(s, id, timestamp, body)));
  return signatures.join(" ");
}

/** Equality in time independent of where the strings differ. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Why a delivery failed verification. */
export type VerificationFailure =
  "missing-headers" | "bad-timestamp" | "timestamp-out-of-tolerance" | "no-matching-signature";

/**
 * Checks one delivery: the three headers present, the timestamp within `toleranceSeconds` of
 * `nowSeconds`, and one of the header's `v1` signatures equal to ours. Returns the failure, or
 * undefined when it verifies.
 */
export async function checkSignature(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = TIMESTAMP_TOLERANCE_SECONDS,
): Promise<VerificationFailure | undefined> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return "missing-headers";
  if (!/^\d{1,15}$/.test(timestamp)) return "bad-timestamp";
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return "timestamp-out-of-tolerance";
  const expected = await signMessage(secret, id, timestamp, body);
  const offered = signature.split(" ").filter((s) => s.startsWith("v1,"));
  // Every candidate is compared, so the time does not say which one matched.
  let matched = false;
  for (const candidate of offered) matched = constantTimeEqual(candidate, expected) || matched;
  return matched ? undefined : "no-matching-signature";
}
