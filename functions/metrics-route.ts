import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "@google-cloud/functions-framework";
import { Registry } from "prom-client";
import type { Deps } from "../shared/deps.ts";
import { problem } from "../shared/http/problem.ts";
import { InvalidTokenError, type IdTokenVerifier } from "../shared/ports/id-token-verifier.ts";
import { createPromMetrics, type PromMetrics } from "../shared/telemetry/prom-metrics.ts";
import { readQueueGauges, recordQueueGauges } from "../shared/telemetry/queue-gauges.ts";
import { sendProblem } from "./http-io.ts";

/** Where every function serves its metrics (Prometheus text format). */
export const METRICS_PATH = "/metrics";

/** What a function needs to serve `GET /metrics`: its registry, and who may read it. */
export interface MetricsSource {
  deps: Pick<Deps, "config" | "logger" | "store" | "clock">;
  prometheus: PromMetrics;
  auth: IdTokenVerifier;
}

export interface MetricsRouteOptions {
  /**
   * Compute the queue-wide gauges from the store when scraped (`api` only: one scrape target serves
   * them, so they are never summed from instances). @defaultValue false
   */
  queueGauges?: boolean;
}

/**
 * `GET /metrics`: this instance's counters, histograms and process metrics (and, with
 * `queueGauges`, the queue-wide gauges, computed now) in Prometheus text format. Requires
 * `Authorization: Bearer` with either the `METRICS_TOKEN` secret (compared in constant time) or a
 * Firebase ID token carrying the `admin` claim (checked for revocation, as the operator routes are):
 * no or an invalid token answers 401, a valid token of anyone else 403, trouble verifying it 503.
 * A scrape whose gauges cannot be read (Firestore down) still serves the rest, without the gauges,
 * so the outage shows as absent series rather than as the last values.
 */
export async function serveMetrics(
  req: Request,
  res: Response,
  source: MetricsSource,
  options: MetricsRouteOptions = {},
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendProblem(res, problem("method-not-allowed", "GET /metrics."));
  }
  if (!(await allowed(req, res, source))) return;
  const registries = [source.prometheus.registry];
  if (options.queueGauges === true) {
    const gauges = await queueGaugeRegistry(source.deps);
    if (gauges !== undefined) registries.push(gauges);
  }
  const registry = Registry.merge(registries);
  const body = await registry.metrics();
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Type", registry.contentType);
  res.status(200).send(body);
}

/**
 * The queue-wide gauges, read now, in a registry of their own made for this scrape (so a scrape
 * that cannot read them shows none, not the last values or prom-client's zeros); undefined when the
 * store could not be read. Operations: those of `readQueueGauges` (about 5 + active jobs reads).
 */
async function queueGaugeRegistry(deps: MetricsSource["deps"]): Promise<Registry | undefined> {
  try {
    const gauges = await readQueueGauges(deps, deps.clock.now());
    const prom = createPromMetrics({ include: "queue-wide", processMetrics: false });
    recordQueueGauges(prom, gauges);
    return prom.registry;
  } catch (error) {
    deps.logger.warn({ err: error }, "queue gauges not read; serving /metrics without them");
    return undefined;
  }
}

/** Whether the caller may scrape; otherwise answers 401, 403 or 503 and returns false. */
async function allowed(req: Request, res: Response, source: MetricsSource): Promise<boolean> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "");
  const token = match?.[1];
  const refuse = (status: 401 | 403, detail: string) => {
    if (status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="generation-queue-metrics"');
    sendProblem(res, problem(status === 401 ? "unauthorized" : "forbidden", detail));
    return false;
  };
  if (token === undefined) {
    return refuse(
      401,
      "Send the metrics token or an operator's ID token as 'Authorization: Bearer <token>'.",
    );
  }
  const secret = source.deps.config.metricsToken;
  if (secret !== undefined && sameSecret(token, secret)) return true;
  try {
    const caller = await source.auth.verify(token, { checkRevoked: true });
    return caller.admin
      ? true
      : refuse(403, "Only operators (tokens with the admin claim) may read metrics.");
  } catch (error) {
    if (error instanceof InvalidTokenError)
      return refuse(401, "The token is neither the metrics token nor a valid ID token.");
    source.deps.logger.warn({ err: error }, "metrics scrape: the ID token could not be verified");
    sendProblem(
      res,
      problem("unavailable", "The token could not be verified; try again.", { retryAfterSeconds: 5 }),
    );
    return false;
  }
}

/** Constant-time equality of two secrets of any length (their SHA-256 digests are compared). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}
