import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

/** One POST of a webhook to a vetted address. */
export interface WebhookRequest {
  url: URL;
  /** The vetted address the connection must use (never a fresh DNS answer). */
  address: string;
  family: 4 | 6;
  headers: Record<string, string>;
  body: string;
  /** Longest wait for the receiver's answer, connection included, in ms (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
}

/** The receiver's HTTP status, or why none came. */
export type WebhookResponse = { status: number } | { error: string };

/** Sends one webhook request (a port, so tests can count and shape what receivers see). */
export type WebhookSender = (request: WebhookRequest) => Promise<WebhookResponse>;

/** Most of a receiver's answer read before the connection is dropped, in bytes. @defaultValue 64 KiB */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The real sender, on node:http(s). Redirects are never followed (node does not, and a 3xx counts as
 * a failed attempt): a redirect could point at an address the target check refused. TLS checks the
 * certificate against the URL's host name (SNI), while the TCP connection goes to the vetted address.
 */
export const httpWebhookSender: WebhookSender = (request) =>
  new Promise((resolve) => {
    const { url, address, family } = request;
    const lookup: LookupFunction = (_host, options, callback) => {
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(url, {
      method: "POST",
      headers: { ...request.headers, "Content-Length": String(Buffer.byteLength(request.body)) },
      lookup,
      signal: AbortSignal.timeout(request.timeoutMs),
      agent: false,
    });
    req.on("response", (res) => {
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      const done = () => resolve({ status: res.statusCode ?? 0 });
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    req.on("error", (error) => resolve({ error: transportError(error) }));
    req.end(request.body);
  });

/** A transport failure as a short, stable code for the job's attempt record. */
export function transportError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const name = (error as { name?: unknown }).name;
  if (name === "AbortError" || name === "TimeoutError" || code === "ABORT_ERR") return "timeout";
  if (code === "ECONNREFUSED") return "connection-refused";
  if (code === "ECONNRESET" || code === "EPIPE") return "connection-reset";
  if (code === "ETIMEDOUT") return "timeout";
  if (typeof code === "string" && (code.startsWith("ERR_TLS") || code.includes("CERT"))) return "tls-error";
  return "network-error";
}
