import * as functions from "@google-cloud/functions-framework";
import type { Request, Response } from "@google-cloud/functions-framework";
import { loadConfig } from "../shared/config.ts";
import { problem } from "../shared/http/problem.ts";
import { EVENT_FLUSH_MS } from "../shared/ports/event-publisher.ts";
import { sweep } from "../shared/sweeper/sweep.ts";
import { inRequestSpan } from "../shared/telemetry/tracing-request.ts";
import { createSweepRuntime, type SweepRuntime } from "../shared/wiring/sweep-runtime.ts";
import { sendJson, sendProblem } from "./http-io.ts";
import { METRICS_PATH, serveMetrics } from "./metrics-route.ts";

/**
 * The `sweep` HTTP function, called by Cloud Scheduler every minute (HTTP target, method POST). It
 * runs one sweep and answers 200 with the report, or 500 (which Cloud Scheduler records as a failed
 * run) when a pass could not run or the sweep threw. It trusts its caller: in production the function
 * is deployed without public access, and only Cloud Scheduler's service account holds
 * `roles/run.invoker` on it (the job sends an OIDC token for that account).
 */
export function createSweepHandler(runtime: Pick<SweepRuntime, "deps" | "prometheus" | "auth">) {
  return async (req: Request, res: Response): Promise<void> => {
    if (req.path === METRICS_PATH) return serveMetrics(req, res, runtime);
    if (req.method !== "POST") {
      return sendProblem(res, problem("method-not-allowed", "POST to run a sweep."));
    }
    const { deps } = runtime;
    // The run's span (and its re-enqueues') ends, and telemetry is flushed, before the answer.
    await inRequestSpan(req, res, "POST sweep", async () => {
      try {
        const report = await sweep(deps, deps.clock.now());
        await deps.events.flush(EVENT_FLUSH_MS); // the settlements' events, before the CPU is throttled
        sendJson(res, report.failedPasses.length === 0 ? 200 : 500, report);
      } catch (error) {
        deps.logger.error({ err: error }, "sweep failed");
        if (!res.headersSent) sendProblem(res, problem("internal", "The sweep failed; see the logs."));
      }
    });
  };
}

let runtime: SweepRuntime | undefined;
let handler: ReturnType<typeof createSweepHandler> | undefined;

/** The deployed entry point: config and clients are built on the first call, not at import. */
functions.http("sweep", (req, res) => {
  runtime ??= createSweepRuntime(loadConfig(process.env));
  handler ??= createSweepHandler(runtime);
  return handler(req, res);
});
