import type { Lane } from "../shared/lanes.ts";
import * as functions from "@google-cloud/functions-framework";
import type { Request, Response } from "@google-cloud/functions-framework";
import { loadConfig } from "../shared/config.ts";
import { OPENAPI_PATH, openApiDocument } from "../shared/http/openapi.ts";
import { problem } from "../shared/http/problem.ts";
import { EVENT_FLUSH_MS } from "../shared/ports/event-publisher.ts";
import type { Caller } from "../shared/ports/id-token-verifier.ts";
import type { QueueRunState } from "../shared/ports/task-scheduler.ts";
import { queueStateCache } from "../shared/submission/queue-state-cache.ts";
import { cancelJob } from "../shared/submission/cancel-job.ts";
import { checkHealth } from "../shared/submission/health.ts";
import { createLongPollLimit, type LongPollLimit } from "../shared/submission/long-poll-limit.ts";
import { listJobs, readJob, readResult, type ReadOutcome } from "../shared/submission/read-jobs.ts";
import { submitJob } from "../shared/submission/submit-job.ts";
import { IDEMPOTENCY_KEY } from "../shared/submission/submit-request.ts";
import { successResponse } from "../shared/submission/submission-outcome.ts";
import { annotateSpan } from "../shared/telemetry/spans.ts";
import { inRequestSpan } from "../shared/telemetry/tracing-request.ts";
import { createApiRuntime, type ApiRuntime } from "../shared/wiring/api-deps.ts";
import { isAdminPath, routeAdmin } from "./admin-routes.ts";
import { routeWebhookSecret } from "./webhook-secret-routes.ts";
import { METRICS_PATH, serveMetrics } from "./metrics-route.ts";
import {
  applyCors,
  authenticate,
  checkApp,
  queryValue,
  refuseOversizedBody,
  sendJson,
  sendProblem,
} from "./http-io.ts";

/** What one instance keeps for job reads: the long-polls held, the queue's cached state. */
interface JobReads {
  longPolls: LongPollLimit;
  queueState: (lane: Lane) => Promise<QueueRunState>;
}

const JOB_PATH = /^\/v1\/jobs\/([^/]+)$/;
const RESULT_PATH = /^\/v1\/jobs\/([^/]+)\/result$/;

/**
 * The `api` HTTP function: routes each request to one use-case in `shared/` and maps its outcome to
 * a response. Errors are `application/problem+json`. Exported as a factory so tests serve the very
 * same handler through the Functions Framework, wired to the emulators.
 */
export function createApiHandler(runtime: ApiRuntime) {
  // One handler per instance (the deployed entry point builds it once), so this is the per-instance count.
  const longPolls = createLongPollLimit(runtime.deps.config.limits.userLongPolls);
  // Per instance too: what a queued job's `waiting` says about the queue (paused or running).
  const { tasks, clock, logger } = runtime.deps;
  const reads: JobReads = { longPolls, queueState: queueStateCache(tasks, clock, logger) };
  return async (req: Request, res: Response): Promise<void> => {
    if (applyCors(req, res)) return;
    if (refuseOversizedBody(req, res, runtime.deps.config.limits.maxRequestBytes)) return;
    // Probes and scrapes are not worth a trace each.
    if (req.path === "/healthz" || req.path === METRICS_PATH) return handle(runtime, reads, req, res);
    // One server span per request (a submit's is the root of the job's trace), and every log line
    // written under it carries its trace. It ends, and telemetry is flushed, before the answer.
    await inRequestSpan(req, res, routeName(req), () => handle(runtime, reads, req, res));
  };
}

/** One request: routed, then one log line with what it cost. */
async function handle(runtime: ApiRuntime, reads: JobReads, req: Request, res: Response) {
  const { logger } = runtime.deps;
  const started = performance.now();
  try {
    const { ops } = await runtime.meter.measure(() => route(runtime, reads, req, res));
    // One line per request with what it cost in Firestore: the figures the benchmark and the
    // cost model read, and a log-based metric in Cloud Logging.
    logger.info(
      {
        route: routeName(req),
        status: res.statusCode,
        outcome: res.locals.outcome as unknown,
        jobId: res.locals.jobId as unknown,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        firestore: ops,
      },
      "request handled",
    );
  } catch (error) {
    logger.error({ err: error, path: req.path, method: req.method }, "api request failed");
    if (!res.headersSent)
      sendProblem(res, problem("unavailable", "Something went wrong; try again.", { retryAfterSeconds: 1 }));
  }
}

async function route(runtime: ApiRuntime, reads: JobReads, req: Request, res: Response): Promise<void> {
  const { path, method } = req;
  if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
  if (path === OPENAPI_PATH && method === "GET") return sendJson(res, 200, contract());
  // Its own check (the metrics token or an operator's ID token), before the per-user authentication.
  if (path === METRICS_PATH) return serveMetrics(req, res, runtime, { queueGauges: true });
  if (path === "/health") {
    const report = await checkHealth(runtime.deps, runtime.redis);
    return sendJson(res, report.healthy ? 200 : 503, report);
  }
  // Operator routes also ask Auth whether the token was revoked, so removing an operator takes effect
  // at once. Every other route keeps the local signature check, which costs no Auth round trip on
  // each submission and poll: a revoked user token keeps working there until it expires (≤ 1 h),
  // and it only ever reaches that user's own jobs.
  const caller = await authenticate(req, res, runtime.auth, { checkRevoked: isAdminPath(path) });
  if (caller === undefined) return;
  if (await routeAdmin(runtime, caller, req, res)) return;
  // A receiver's server fetches the secret with the user's token; App Check is for the apps' job calls.
  if (await routeWebhookSecret(runtime, caller, req, res)) return;
  // The job routes only: operators sign in on their own page, with an admin claim checked above.
  if (!(await checkApp(req, res, runtime.appCheck))) return;
  if (path === "/v1/jobs" && method === "POST") return postJob(runtime, caller, req, res);
  if (path === "/v1/jobs" && method === "GET") return getJobs(runtime, caller, req, res);
  const result = RESULT_PATH.exec(path);
  if (result?.[1] !== undefined && method === "GET") return getResult(runtime, caller, result[1], req, res);
  const job = JOB_PATH.exec(path);
  if (job?.[1] !== undefined && method === "GET") {
    return getOneJob(runtime, reads, caller, job[1], req, res);
  }
  if (job?.[1] !== undefined && method === "DELETE") return deleteJob(runtime, caller, job[1], res);
  const known = path === "/v1/jobs" || job !== null || result !== null;
  sendProblem(
    res,
    known
      ? problem("method-not-allowed", `${method} is not supported on ${path}.`)
      : problem("not-found", `No route ${path}.`),
  );
}

/** The body's size was already checked against MAX_REQUEST_BYTES, before authentication. */
async function postJob(runtime: ApiRuntime, caller: Caller, req: Request, res: Response): Promise<void> {
  if (!req.is("application/json")) {
    return sendProblem(
      res,
      problem("unsupported-media-type", "Send the job as 'Content-Type: application/json'."),
    );
  }
  const idempotencyKey = req.get("idempotency-key");
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    const errors = [{ path: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" }];
    return sendProblem(res, problem("validation-error", "Invalid Idempotency-Key header.", { errors }));
  }
  const outcome = await submitJob(runtime.deps, {
    userId: caller.uid,
    anonymous: caller.anonymous,
    body: req.body,
    idempotencyKey,
  });
  res.locals.outcome = outcome.kind;
  if ("view" in outcome) res.locals.jobId = outcome.view.jobId;
  annotateSpan({
    "genqueue.submit.outcome": outcome.kind,
    ...("view" in outcome && { "genqueue.job.id": outcome.view.jobId }),
  });
  // CPU is throttled once the response is sent: let the job's events out first (bounded).
  await runtime.deps.events.flush(EVENT_FLUSH_MS);
  if (outcome.kind === "rejected") return sendProblem(res, outcome.problem);
  const response = outcome.kind === "replayed" ? outcome.response : successResponse(outcome);
  sendJson(res, response.status, response.body, response.location ? { Location: response.location } : {});
}

async function getOneJob(
  runtime: ApiRuntime,
  { longPolls, queueState }: JobReads,
  caller: Caller,
  jobId: string,
  req: Request,
  res: Response,
) {
  const wait = queryValue(req, "waitSeconds");
  const waitSeconds = wait === undefined ? undefined : Number(wait);
  if (waitSeconds !== undefined && (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 25)) {
    const errors = [{ path: "waitSeconds", message: "must be an integer from 1 to 25" }];
    return sendProblem(res, problem("validation-error", "Invalid query.", { errors }));
  }
  const ifNoneMatch = req.get("if-none-match");
  // Each held long-poll keeps a Firestore listener open for up to waitSeconds. Past the user's cap
  // the request is read at once (200, or 304 when unchanged) instead of refused: clients poll again
  // after a 304 (the client library waits 1 s), so nothing breaks and the instance holds no more.
  const release = waitSeconds === undefined ? undefined : longPolls.tryAcquire(caller.uid);
  if (waitSeconds !== undefined && release === undefined) {
    runtime.deps.logger.debug(
      { userId: caller.uid, jobId },
      "long-poll over the per-user cap: answered at once",
    );
  }
  let outcome: ReadOutcome;
  try {
    outcome = await readJob(runtime.deps, {
      userId: caller.uid,
      jobId,
      ifNoneMatch,
      waitSeconds: release === undefined ? undefined : waitSeconds,
      queueState,
    });
  } finally {
    release?.();
  }
  if (outcome.kind === "rejected") return sendProblem(res, outcome.problem);
  res.setHeader("ETag", outcome.etag);
  res.setHeader("Cache-Control", "private, no-cache");
  if (outcome.kind === "not-modified") return void res.status(304).end();
  sendJson(res, 200, outcome.view);
}

async function getResult(runtime: ApiRuntime, caller: Caller, jobId: string, req: Request, res: Response) {
  const index = Number(queryValue(req, "index") ?? "0");
  if (!Number.isInteger(index) || index < 0) {
    const errors = [{ path: "index", message: "must be a non-negative integer" }];
    return sendProblem(res, problem("validation-error", "Invalid query.", { errors }));
  }
  const outcome = await readResult(runtime.deps, { userId: caller.uid, jobId, index });
  if (outcome.kind === "rejected") return sendProblem(res, outcome.problem);
  res.setHeader("Cache-Control", "private, max-age=86400, immutable");
  res.status(200).type("image/png").send(outcome.png);
}

async function getJobs(runtime: ApiRuntime, caller: Caller, req: Request, res: Response) {
  const outcome = await listJobs(runtime.deps, {
    userId: caller.uid,
    status: queryValue(req, "status"),
    limit: queryValue(req, "limit"),
    cursor: queryValue(req, "cursor"),
  });
  if (outcome.kind === "rejected") return sendProblem(res, outcome.problem);
  sendJson(res, 200, { jobs: outcome.jobs, nextCursor: outcome.nextCursor });
}

async function deleteJob(runtime: ApiRuntime, caller: Caller, jobId: string, res: Response) {
  const outcome = await cancelJob(runtime.deps, caller.uid, jobId);
  await runtime.deps.events.flush(EVENT_FLUSH_MS);
  if (outcome.kind === "rejected") return sendProblem(res, outcome.problem);
  sendJson(res, outcome.kind === "cancelled" ? 200 : 202, outcome.view);
}

let document: Record<string, unknown> | undefined;
/** The OpenAPI document, built on the first request for it (about 43 KB of JSON). */
const contract = () => (document ??= openApiDocument());

/** The route a request took, with ids left out, for the request's log line. */
function routeName(req: Request): string {
  const path = req.path.replace(RESULT_PATH, "/v1/jobs/:id/result").replace(JOB_PATH, "/v1/jobs/:id");
  return `${req.method} ${path.startsWith("/v1/admin/") ? "/v1/admin/…" : path}`;
}

let runtime: ApiRuntime | undefined;
let handler: ReturnType<typeof createApiHandler> | undefined;

/** The deployed entry point: config is read and clients are built on the first request, not at import. */
functions.http("api", (req, res) => {
  runtime ??= createApiRuntime(loadConfig(process.env));
  handler ??= createApiHandler(runtime);
  return handler(req, res);
});
