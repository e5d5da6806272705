import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { pixfluxBody } from "../harness/fixtures.ts";

/** Just over the 2 MiB default of MAX_REQUEST_BYTES. */
const OVER_LIMIT = 2 * 1024 * 1024 + 1;

/**
 * Sends only the request line and headers on a raw socket and reads until the server closes it: an
 * answer proves the server decided without the body, which is never sent.
 */
function headersOnly(
  url: string,
  headers: string[],
): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let raw = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (raw += chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const [head = "", body = ""] = raw.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), head, body });
    });
    socket.write([`POST /v1/jobs HTTP/1.1`, `Host: ${hostname}`, ...headers, "", ""].join("\r\n"));
  });
}

describe("request bodies: refused early, errors without internals", () => {
  let rig: ApiRig;

  beforeAll(async () => {
    // Express fixes its error pages when the app is built: with NODE_ENV=production (how the function
    // is deployed, see the README) they carry the status text only. Set for the build, then restored.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      rig = await startApiRig();
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });
  afterAll(() => rig.close());

  it.each([
    { name: "truncated JSON", contentType: "application/json", body: '{"operation": ', status: 400 },
    { name: "not JSON at all", contentType: "application/json", body: "hello", status: 400 },
    { name: "a bare JSON string", contentType: "application/json", body: '"a knight"', status: 400 },
    { name: "an unknown charset", contentType: "application/json; charset=latin9", body: "{}", status: 415 },
  ])("$name is answered $status by the framework with no stack trace or server path", async (c) => {
    const res = await fetch(`${rig.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": c.contentType },
      body: c.body,
    });
    const text = await res.text();
    expect(res.status).toBe(c.status);
    expect(text).not.toMatch(/\bat .+:\d+:\d+/); // a stack frame
    expect(text).not.toMatch(/SyntaxError|UnsupportedMediaTypeError/);
    expect(text).not.toContain("node_modules");
    expect(text).not.toContain("/work/");
    expect(text).not.toContain(process.cwd());
  });

  it.each<{ name: string; headers: Record<string, string>; body: string | Uint8Array<ArrayBuffer> }>([
    {
      name: "JSON",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(pixfluxBody("x".repeat(OVER_LIMIT))),
    },
    {
      name: "gzip JSON that inflates past the limit",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: new Uint8Array(gzipSync(JSON.stringify(pixfluxBody("x".repeat(OVER_LIMIT))))),
    },
    { name: "plain text", headers: { "content-type": "text/plain" }, body: "x".repeat(OVER_LIMIT) },
  ])("an oversized $name body is refused 413 problem+json before authentication", async (c) => {
    // No Authorization header: before the size check moved ahead of authentication this was a 401.
    const res = await fetch(`${rig.url}/v1/jobs`, { method: "POST", headers: c.headers, body: c.body });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: "/problems/payload-too-large", status: 413 });
  });

  it("a declared Content-Length over the limit is refused without the body being sent", async () => {
    // Without a Content-Type no framework parser claims the body, so nothing reads it before us.
    const res = await headersOnly(rig.url, [`Content-Length: ${32 * 1024 * 1024}`]);
    expect(res.status).toBe(413);
    expect(res.head).toMatch(/content-type: application\/problem\+json/i);
    expect(res.head).toMatch(/connection: close/i);
    expect(JSON.parse(res.body)).toMatchObject({ type: "/problems/payload-too-large" });
  });
});
