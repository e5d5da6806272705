import { isIP } from "node:net";
import type { HostResolver } from "../ports/host-resolver.ts";
import { addressRefusal, hostOf, urlRefusal, type AddressPolicy, type UrlRefusal } from "./address-policy.ts";

/** Longest a webhook URL's DNS lookup may take, in ms. @defaultValue 5_000 */
export const RESOLVE_TIMEOUT_MS = 5_000;

/** A webhook URL that may be delivered to, and the address to connect to (vetted, so pinned). */
export type VettedTarget =
  { ok: true; url: URL; address: string; family: 4 | 6 } | { ok: false; refusal: UrlRefusal };

/**
 * Checks a webhook URL's form, resolves its host and refuses it when any address it resolves to is
 * one webhooks may not reach (one bad address is enough: a resolver may answer either). The caller
 * connects to the returned address, never resolving again, so a DNS answer that changes between the
 * check and the connection (rebinding) cannot redirect the request.
 */
export async function vetWebhookUrl(
  raw: string,
  resolve: HostResolver,
  policy: AddressPolicy,
): Promise<VettedTarget> {
  const refusal = urlRefusal(raw, policy);
  if (refusal !== undefined) return { ok: false, refusal };
  const url = new URL(raw);
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : await withTimeout(resolve(host), RESOLVE_TIMEOUT_MS);
  } catch {
    return { ok: false, refusal: "unresolvable" };
  }
  if (addresses.length === 0) return { ok: false, refusal: "unresolvable" };
  for (const address of addresses) {
    const refused = addressRefusal(address, policy);
    if (refused !== undefined) return { ok: false, refusal: refused };
  }
  const address = addresses[0]!;
  return { ok: true, url, address, family: isIP(address) === 6 ? 6 : 4 };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no DNS answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
