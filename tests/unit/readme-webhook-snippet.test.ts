import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { newSigningSecret, signatureHeader } from "../../shared/webhooks/webhook-signature.ts";

type Verify = (secret: string, headers: Record<string, string>, rawBody: string) => boolean;

/** The README's plain-Node verification snippet, run as written (a module of its own). */
async function readmeVerifier(): Promise<Verify> {
  const readme = readFileSync("README.md", "utf8");
  const snippet = /```js\n(import \{ createHmac[\s\S]*?)```/.exec(readme)?.[1];
  if (snippet === undefined) throw new Error("README has no plain-Node webhook verification snippet");
  const source = `${snippet}\nexport { verifyWebhook };\n`;
  const module = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as {
    verifyWebhook: Verify;
  };
  return module.verifyWebhook;
}

describe("the README's webhook verification snippet", () => {
  it("accepts what the queue signs, with one secret or two, and refuses a changed body, a wrong secret or a stale time", async () => {
    const verify = await readmeVerifier();
    const secret = newSigningSecret();
    const rotatedOut = newSigningSecret();
    const body = JSON.stringify({
      type: "job.completed",
      timestamp: "2026-12-04T12:00:00.000Z",
      data: { jobId: "j" },
    });
    const now = Math.floor(Date.now() / 1000);
    const headers = async (secrets: string[], timestamp = now) => ({
      "webhook-id": "msg_j_completed",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signatureHeader(secrets, "msg_j_completed", timestamp, body),
    });
    expect(verify(secret, await headers([secret]), body)).toBe(true);
    expect(verify(secret, await headers([secret, rotatedOut]), body)).toBe(true);
    expect(verify(rotatedOut, await headers([secret, rotatedOut]), body)).toBe(true);
    expect(verify(secret, await headers([secret]), body.replace('"j"', '"k"'))).toBe(false);
    expect(verify(newSigningSecret(), await headers([secret]), body)).toBe(false);
    expect(verify(secret, await headers([secret], now - 301), body)).toBe(false);
  });
});
