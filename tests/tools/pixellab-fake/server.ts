import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { OperationName } from "../../../shared/operations/operations.ts";
import { createBackgroundJobs } from "./background-jobs.ts";
import { handleGeneration, type FakeContext } from "./generation.ts";
import { bearerToken, readBody, sendJson } from "./http-io.ts";
import { applyDirectives, DEFAULT_SCENARIO } from "./scenarios.ts";
import { createStats, type FakeStats } from "./stats.ts";

/** The key the fake accepts unless told otherwise (`--api-key`). Not a secret: it opens nothing real. */
export const DEFAULT_FAKE_API_KEY = "fake-pixellab-key";

/** Options of {@link startFakePixelLab}. */
export interface FakePixelLabOptions {
  /** TCP port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to bind. @defaultValue "127.0.0.1" (loopback only) */
  host?: string;
  /** The only bearer token accepted. @defaultValue {@link DEFAULT_FAKE_API_KEY} */
  apiKey?: string;
  /** Server-wide scenario directives, e.g. `"rate_limit=2"` or `"latency=50,fail-first=1"`. @defaultValue "success" */
  scenario?: string;
  /** Admitted calls plus running background jobs allowed at once; past it 429 "Too many concurrent jobs". @defaultValue no cap */
  maxConcurrent?: number | null;
  /** How long a background job stays `processing`, in ms. @defaultValue 1_000 */
  backgroundJobDurationMs?: number;
  /** Answer every create call as a v2 background job (per request: `[fake:background]`). @defaultValue false */
  async?: boolean;
}

/** A running fake. */
export interface FakePixelLab {
  /** Origin, e.g. `http://127.0.0.1:8790`. */
  url: string;
  /** `${url}/v1`, the base URL to hand the client. */
  v1Url: string;
  /** `${url}/v2`. */
  v2Url: string;
  port: number;
  /** Closes every connection (held `timeout` calls included) and the listener. */
  stop(): Promise<void>;
  /** Forgets stats and background jobs. */
  reset(): void;
  /** Replaces the server-wide scenario (e.g. switch a failing upstream back to `success`). */
  setScenario(spec: string): void;
  stats(): FakeStats;
}

/** Endpoint name → operation, per API version (v2 renamed the two image generators). */
const ROUTES: Readonly<Record<"v1" | "v2", Readonly<Record<string, OperationName>>>> = {
  v1: {
    "generate-image-pixflux": "generate-image-pixflux",
    "generate-image-bitforge": "generate-image-bitforge",
    rotate: "rotate",
    "animate-with-text": "animate-with-text",
  },
  v2: {
    "create-image-pixflux": "generate-image-pixflux",
    "create-image-bitforge": "generate-image-bitforge",
    rotate: "rotate",
    "animate-with-text": "animate-with-text",
  },
};

/** Starts the offline PixelLab on loopback. Throws for unusable options (a bad scenario string). */
export async function startFakePixelLab(options: FakePixelLabOptions = {}): Promise<FakePixelLab> {
  const scenario = applyDirectives(options.scenario ?? "", DEFAULT_SCENARIO);
  if (!scenario.ok) throw new Error(`invalid fake scenario: ${scenario.message}`);
  const ctx: FakeContext = {
    apiKey: options.apiKey ?? DEFAULT_FAKE_API_KEY,
    defaultScenario: scenario.scenario,
    maxConcurrent: options.maxConcurrent ?? null,
    backgroundJobDurationMs: options.backgroundJobDurationMs ?? 1_000,
    async: options.async ?? false,
    stats: createStats(),
    jobs: createBackgroundJobs(),
  };
  const reset = () => {
    ctx.stats.reset();
    ctx.jobs.clear();
  };
  const server = createServer((req, res) => {
    res.once("finish", () => ctx.stats.answered(res.statusCode));
    route(ctx, reset, req, res).catch((error: unknown) => {
      console.error("[pixellab-fake] handler failed:", error);
      sendJson(res, 500, { detail: "Internal Server Error" });
    });
  });
  const port = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    v1Url: `${url}/v1`,
    v2Url: `${url}/v2`,
    port,
    stop: () => close(server),
    reset,
    setScenario: (spec) => {
      const next = applyDirectives(spec, DEFAULT_SCENARIO);
      if (!next.ok) throw new Error(`invalid fake scenario: ${next.message}`);
      ctx.defaultScenario = next.scenario;
    },
    stats: () => ctx.stats.snapshot(),
  };
}

async function route(
  ctx: FakeContext,
  reset: () => void,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<unknown> {
  const method = req.method ?? "GET";
  const path = new URL(req.url ?? "/", "http://fake").pathname.replace(/\/+$/, "");
  if (path === "/__fake/stats" && method === "GET") return sendJson(res, 200, ctx.stats.snapshot());
  if (path === "/__fake/reset" && method === "POST") {
    reset();
    return sendJson(res, 200, { reset: true });
  }
  if (path === "/__fake/scenario" && method === "PUT") {
    const next = applyDirectives((await readBody(req)).trim(), DEFAULT_SCENARIO);
    if (!next.ok) return sendJson(res, 400, { detail: next.message });
    ctx.defaultScenario = next.scenario;
    return sendJson(res, 200, { scenario: next.scenario });
  }
  const [, version, name, id, extra] = path.split("/");
  if ((version !== "v1" && version !== "v2") || name === undefined) return notFound(res);
  const operation = ROUTES[version][name];
  if (operation !== undefined && id === undefined) {
    if (method !== "POST") return sendJson(res, 405, { detail: "Method Not Allowed" });
    return handleGeneration(ctx, { operation, version, endpoint: `POST ${path}` }, req, res);
  }
  if (name === "balance" && id === undefined) return balance(ctx, version, method, req, res);
  if (version === "v2" && name === "background-jobs" && id !== undefined && extra === undefined) {
    return backgroundJob(ctx, decodeURIComponent(id), method, req, res);
  }
  return notFound(res);
}

function balance(
  ctx: FakeContext,
  version: "v1" | "v2",
  method: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  ctx.stats.call(`${method} /${version}/balance`);
  if (method !== "GET") return sendJson(res, 405, { detail: "Method Not Allowed" });
  if (bearerToken(req) !== ctx.apiKey) return sendJson(res, 401, { detail: "Invalid API token" });
  if (version === "v1") return sendJson(res, 200, { type: "usd", usd: 12.5 });
  // The shape AUD observed on v2 (reference §3.8).
  const subscription = {
    type: "generations",
    status: "active",
    plan: "Fake tier",
    generations: 4660,
    total: 5000,
  };
  return sendJson(res, 200, { credits: { type: "usd", usd: 12.5 }, subscription });
}

function backgroundJob(
  ctx: FakeContext,
  id: string,
  method: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  ctx.stats.call(`${method} /v2/background-jobs`);
  if (method !== "GET") return sendJson(res, 405, { detail: "Method Not Allowed" });
  if (bearerToken(req) !== ctx.apiKey) return sendJson(res, 401, { detail: "Invalid API token" });
  const view = ctx.jobs.view(id);
  const tag = ctx.jobs.tagOf(id);
  if (tag !== null) ctx.stats.polled(tag, id);
  return view === undefined
    ? sendJson(res, 404, { detail: "Background job not found" })
    : sendJson(res, 200, view);
}

function notFound(res: ServerResponse) {
  return sendJson(res, 404, { detail: "Not Found" });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Held `timeout` calls and idle keep-alive sockets would otherwise keep close() waiting forever.
    server.closeAllConnections();
  });
}
