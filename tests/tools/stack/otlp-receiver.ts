import { mkdirSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeTraceRequest, OtlpDecodeError } from "../trace/otlp-decode.ts";

/**
 * The local stack's OTLP/HTTP receiver: the functions' exporters POST `ExportTraceServiceRequest`
 * JSON to `/v1/traces` (gzip or not), and every span becomes one JSON line of the spans file
 * (`tests/tools/trace/span-record.ts`), which `npm run trace` reads. `/v1/metrics` and `/v1/logs`
 * are accepted and dropped (Prometheus scrapes the metrics locally). Loopback only.
 */
export interface OtlpReceiverOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** The spans file; its folder is created. */
  file: string;
}

export interface OtlpReceiver {
  port: number;
  /** `http://127.0.0.1:PORT`, the value of `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  file: string;
  /** Spans written since start. */
  spansWritten(): number;
  stop(): Promise<void>;
}

/** Largest request body accepted, in bytes (compressed and inflated alike). The SDK batches 512 spans. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class HttpProblem extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startOtlpReceiver(options: OtlpReceiverOptions): Promise<OtlpReceiver> {
  const file = path.resolve(options.file);
  mkdirSync(path.dirname(file), { recursive: true });
  let written = 0;
  // Appends run one after another, so the lines of concurrent exports never interleave.
  let appending: Promise<void> = Promise.resolve();
  const append = (lines: string) => (appending = appending.then(() => appendFile(file, lines)));

  const server = createServer((req, res) => {
    handle(req, append)
      .then((count) => {
        written += count;
        answer(res, 200, {});
      })
      .catch((error: unknown) => {
        const status = error instanceof HttpProblem ? error.status : 500;
        // OTLP/HTTP errors are a google.rpc.Status; code 3 is INVALID_ARGUMENT, 13 INTERNAL.
        answer(res, status, { code: status < 500 ? 3 : 13, message: (error as Error).message });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    file,
    spansWritten: () => written,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await appending.catch(() => undefined);
    },
  };
}

/** Handles one request; resolves to the number of spans written. */
async function handle(req: IncomingMessage, append: (lines: string) => Promise<void>): Promise<number> {
  const route = (req.url ?? "").split("?")[0];
  if (!["/v1/traces", "/v1/metrics", "/v1/logs"].includes(route ?? ""))
    throw new HttpProblem(404, `no such path ${route}: this receiver takes /v1/traces`);
  if (req.method !== "POST") throw new HttpProblem(405, `${req.method} ${route}: only POST`);
  const body = await readBody(req);
  if (route !== "/v1/traces") return 0;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    throw new HttpProblem(415, `content-type ${type || "(none)"}: only OTLP/HTTP JSON (application/json)`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(inflate(body, req.headers["content-encoding"]).toString("utf8"));
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    throw new HttpProblem(400, `body is not JSON: ${(error as Error).message}`);
  }
  let spans;
  try {
    spans = decodeTraceRequest(decoded);
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new HttpProblem(400, error.message);
    throw error;
  }
  if (spans.length > 0) await append(spans.map((s) => `${JSON.stringify(s)}\n`).join(""));
  return spans.length;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the 413 still reaches the client.
      if (size > MAX_BODY_BYTES) reject(new HttpProblem(413, `body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** The body without its `Content-Encoding` (the exporter gzips with `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`). */
function inflate(body: Buffer, encoding: string | undefined): Buffer {
  const name = (encoding ?? "identity").trim().toLowerCase();
  if (name === "identity" || name === "") return body;
  if (name !== "gzip") throw new HttpProblem(415, `content-encoding ${name}: only gzip or none`);
  try {
    return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
  } catch (error) {
    throw new HttpProblem(
      400,
      `body is not gzip within ${MAX_BODY_BYTES} bytes: ${(error as Error).message}`,
    );
  }
}

function answer(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
