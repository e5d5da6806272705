import * as functions from "@google-cloud/functions-framework";
import type { Request, Response } from "@google-cloud/functions-framework";
import { loadConfig } from "../shared/config.ts";
import { toFieldProblems } from "../shared/operations/operations.ts";
import { problem } from "../shared/http/problem.ts";
import { EVENT_FLUSH_MS } from "../shared/ports/event-publisher.ts";
import { parseTraceContext, traceFields } from "../shared/logger.ts";
import { processTask, type AttemptFacts } from "../shared/processing/process-task.ts";
import { taskPayload } from "../shared/processing/task-payload.ts";
import { createProcessRuntime, type ProcessRuntime } from "../shared/wiring/process-runtime.ts";
import { sendJson, sendProblem } from "./http-io.ts";

/**
 * The `processJob` HTTP function, called only by Cloud Tasks. Any 2xx tells Cloud Tasks the task is
 * done, so every settled outcome (completed, retry scheduled as a new task, failed into the
 * dead-letter queue, cancelled, duplicate delivery) answers 200; only an unexpected error answers 500,
 * which makes Cloud Tasks deliver again.
 */
export function createProcessJobHandler(runtime: ProcessRuntime) {
  return async (req: Request, res: Response): Promise<void> => {
    if (runtime.tokens !== undefined) {
      const check = await runtime.tokens.check(req.get("authorization"));
      if (!check.ok) {
        runtime.deps.logger.warn({ reason: check.reason }, "task delivery refused");
        const type = check.status === 401 ? "unauthorized" : "forbidden";
        return sendProblem(res, problem(type, "Only the generation queue may call this function."));
      }
    }
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
    const trace = parseTraceContext({
      cloudTrace: req.get("x-cloud-trace-context"),
      traceparent: req.get("traceparent"),
    });
    const log = runtime.deps.logger.child({
      ...traceFields(trace, runtime.deps.config.projectId),
      jobId: payload.data.jobId,
      taskRetryCount: req.get("x-cloudtasks-taskretrycount"),
      taskName: req.get("x-cloudtasks-taskname"),
    });
    const started = performance.now();
    const facts: AttemptFacts = { pixellabMs: 0, sharedGeneration: false };
    try {
      const { value: outcome, ops } = await runtime.meter.measure(() =>
        processTask({ ...runtime.deps, logger: log }, payload.data, delivery.signal, facts),
      );
      // One line per delivery: what it cost in Firestore and how long beyond PixelLab it took.
      log.info(
        {
          attempt: payload.data.attempt,
          outcome: outcome.kind,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          pixellabMs: facts.pixellabMs,
          sharedGeneration: facts.sharedGeneration,
          firestore: ops,
        },
        "delivery handled",
      );
      // CPU is throttled once the response is sent: let the attempt's events out first (bounded).
      await runtime.deps.events.flush(EVENT_FLUSH_MS);
      sendJson(res, 200, outcome);
    } catch (error) {
      log.error({ err: error }, "task failed unexpectedly; Cloud Tasks will deliver it again");
      if (!res.headersSent) sendProblem(res, problem("unavailable", "The task could not be processed."));
    }
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
