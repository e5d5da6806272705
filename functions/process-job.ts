import * as functions from "@google-cloud/functions-framework";
import type { Request, Response } from "@google-cloud/functions-framework";
import { SpanKind, type Attributes, type Span } from "@opentelemetry/api";
import { loadConfig } from "../shared/config.ts";
import { toFieldProblems } from "../shared/operations/operations.ts";
import { problem } from "../shared/http/problem.ts";
import { EVENT_FLUSH_MS } from "../shared/ports/event-publisher.ts";
import type { Logger } from "../shared/logger.ts";
import { processTask, type AttemptFacts, type ProcessOutcome } from "../shared/processing/process-task.ts";
import { taskPayload, type TaskPayload } from "../shared/processing/task-payload.ts";
import {
  contextFromTraceparent,
  flushTelemetry,
  inSpan,
  markFailed,
  TELEMETRY_FLUSH_MS,
  TRACEPARENT_HEADER,
} from "../shared/telemetry/spans.ts";
import { callerLinks } from "../shared/telemetry/tracing-request.ts";
import { createProcessRuntime, type ProcessRuntime } from "../shared/wiring/process-runtime.ts";
import { sendJson, sendProblem } from "./http-io.ts";
import { METRICS_PATH, serveMetrics } from "./metrics-route.ts";
import { WEBHOOK_DELIVERY_PATH } from "../shared/ports/task-scheduler.ts";
import { serveWebhookDelivery } from "./webhook-delivery-route.ts";

/**
 * The `processJob` HTTP function, called only by Cloud Tasks. Any 2xx tells Cloud Tasks the task is
 * done, so every settled outcome (completed, retry scheduled as a new task, failed into the
 * dead-letter queue, cancelled, duplicate delivery) answers 200; only an unexpected error answers 500,
 * which makes Cloud Tasks deliver again, and so does a batch delivery that yields to interactive
 * jobs (503 with Retry-After). The webhook queue's deliveries come to `/webhook-delivery`, with the
 * same OIDC token (`webhook-delivery-route.ts`).
 */
export function createProcessJobHandler(runtime: ProcessRuntime) {
  return async (req: Request, res: Response): Promise<void> => {
    // Scrapes carry the metrics token or an operator's ID token, not Cloud Tasks' OIDC token.
    if (req.path === METRICS_PATH) return serveMetrics(req, res, runtime);
    if (runtime.tokens !== undefined) {
      const check = await runtime.tokens.check(req.get("authorization"));
      if (!check.ok) {
        runtime.deps.logger.warn({ reason: check.reason }, "task delivery refused");
        const type = check.status === 401 ? "unauthorized" : "forbidden";
        return sendProblem(res, problem(type, "Only the generation queue may call this function."));
      }
    }
    if (req.path === WEBHOOK_DELIVERY_PATH) return serveWebhookDelivery(runtime, req, res);
    const payload = taskPayload.safeParse(req.body);
    if (!payload.success) {
      const errors = toFieldProblems(payload.error.issues);
      return sendProblem(res, problem("validation-error", "Not a generation task.", { errors }));
    }
    // Cloud Tasks closes the connection when its dispatch deadline passes; stop the attempt then.
    const delivery = new AbortController();
    res.on("close", () => {
      if (!res.writableEnded) delivery.abort();
    });
    const log = runtime.deps.logger.child({
      jobId: payload.data.jobId,
      taskRetryCount: req.get("x-cloudtasks-taskretrycount"),
      taskName: req.get("x-cloudtasks-taskname"),
    });
    // The attempt is a child of the span that submitted the job (its traceparent travels on the
    // task), not a link from a trace of its own: so a job, every attempt and retry of it included,
    // is one trace, which the trace id a user quotes finds whole, and Cloud Trace shows as one
    // waterfall with the queue waits between attempts. The delivering request's own trace (Cloud
    // Run's) is linked instead. A task without the header (enqueued before tracing) starts a trace.
    const parent = contextFromTraceparent(req.get(TRACEPARENT_HEADER));
    const attributes = attemptAttributes(payload.data, req);
    const options = { kind: SpanKind.CONSUMER, links: callerLinks(req.headers), ...(parent && { parent }) };
    const answer = await inSpan(
      "processJob attempt",
      attributes,
      (span) => attempt(runtime, payload.data, delivery.signal, log, span),
      options,
    );
    // CPU is throttled once the response is sent: let the attempt's events and spans out first
    // (each bounded).
    await Promise.all([runtime.deps.events.flush(EVENT_FLUSH_MS), flushTelemetry(TELEMETRY_FLUSH_MS)]);
    if (answer.ok && answer.outcome.kind === "deferred") {
      // Not done: Cloud Tasks delivers the same task again after Retry-After (batch-yield.ts).
      const { retryAfterSeconds } = answer.outcome;
      sendProblem(
        res,
        problem("unavailable", "Batch work waits for interactive jobs.", { retryAfterSeconds }),
      );
    } else if (answer.ok) sendJson(res, 200, answer.outcome);
    else if (!res.headersSent) sendProblem(res, problem("unavailable", "The task could not be processed."));
  };
}

type Answer = { ok: true; outcome: ProcessOutcome } | { ok: false };

/** One attempt inside its span; resolves to what to answer (an unexpected error: 503, delivered again). */
async function attempt(
  runtime: ProcessRuntime,
  payload: TaskPayload,
  signal: AbortSignal,
  log: Logger,
  span: Span,
): Promise<Answer> {
  const started = performance.now();
  const facts: AttemptFacts = { pixellabMs: 0, sharedGeneration: false };
  try {
    const { value: outcome, ops } = await runtime.meter.measure(() =>
      processTask({ ...runtime.deps, logger: log }, payload, signal, facts),
    );
    span.setAttribute("genqueue.attempt.outcome", outcome.kind);
    // One line per delivery: what it cost in Firestore and how long beyond PixelLab it took.
    log.info(
      {
        attempt: payload.attempt,
        outcome: outcome.kind,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        pixellabMs: facts.pixellabMs,
        sharedGeneration: facts.sharedGeneration,
        firestore: ops,
      },
      "delivery handled",
    );
    return { ok: true, outcome };
  } catch (error) {
    markFailed(span, error);
    log.error({ err: error }, "task failed unexpectedly; Cloud Tasks will deliver it again");
    return { ok: false };
  }
}

/** The attempt span's attributes: which job and attempt, and when Cloud Tasks meant to run it. */
function attemptAttributes(payload: TaskPayload, req: Request): Attributes {
  const eta = Number(req.get("x-cloudtasks-tasketa"));
  return {
    "genqueue.job.id": payload.jobId,
    "genqueue.job.attempt": payload.attempt,
    "genqueue.job.run": payload.run,
    "cloud_tasks.retry_count": Number(req.get("x-cloudtasks-taskretrycount") ?? 0),
    // The task's scheduled time (ms since the epoch): the queue wait is the span's start minus this.
    ...(Number.isFinite(eta) && eta > 0 && { "cloud_tasks.eta_ms": Math.round(eta * 1000) }),
  };
}

let runtime: ProcessRuntime | undefined;
let handler: ReturnType<typeof createProcessJobHandler> | undefined;

/** The deployed entry point: config and clients are built on the first delivery, not at import. */
functions.http("processJob", (req, res) => {
  runtime ??= createProcessRuntime(loadConfig(process.env));
  handler ??= createProcessJobHandler(runtime);
  return handler(req, res);
});
