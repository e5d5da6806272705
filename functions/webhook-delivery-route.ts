import type { Request, Response } from "@google-cloud/functions-framework";
import { z } from "zod";
import { problem } from "../shared/http/problem.ts";
import { toFieldProblems } from "../shared/operations/operations.ts";
import { JOB_ID } from "../shared/store/job-document.ts";
import { deliverWebhook } from "../shared/webhooks/deliver-webhook.ts";
import type { ProcessRuntime } from "../shared/wiring/process-runtime.ts";
import { sendJson, sendProblem } from "./http-io.ts";

/** A webhook task's body (`TaskScheduler.enqueueWebhook`). */
const webhookTask = z.strictObject({
  jobId: z.string().regex(JOB_ID),
  messageId: z.string().regex(/^[A-Za-z0-9_-]{1,500}$/),
});

/**
 * `POST /webhook-delivery` on processJob, called by the webhook queue (its OIDC token is checked
 * before this). Every settled outcome answers 200, so Cloud Tasks stops; a receiver that did not
 * take the delivery answers 502, so the webhook queue's retry policy delivers it again.
 */
export async function serveWebhookDelivery(runtime: ProcessRuntime, req: Request, res: Response) {
  const task = webhookTask.safeParse(req.body);
  if (!task.success) {
    const errors = toFieldProblems(task.error.issues);
    return sendProblem(res, problem("validation-error", "Not a webhook task.", { errors }));
  }
  const retryCount = Number(req.get("x-cloudtasks-taskretrycount") ?? 0);
  const log = runtime.deps.logger.child({ jobId: task.data.jobId, webhookId: task.data.messageId });
  try {
    const { value: outcome, ops } = await runtime.meter.measure(() =>
      deliverWebhook(runtime.deps, task.data, Number.isInteger(retryCount) ? retryCount : 0),
    );
    // One line per delivery, with what it cost in Firestore (as processJob's "delivery handled").
    log.info(
      { outcome: outcome.kind, retryCount, firestore: ops, ...("attempt" in outcome && outcome.attempt) },
      "webhook delivery",
    );
    if (outcome.kind !== "retry") return sendJson(res, 200, { outcome: outcome.kind });
    const answer = outcome.attempt.status ?? outcome.attempt.error;
    sendProblem(res, problem("webhook-not-delivered", `The receiver answered ${answer}.`));
  } catch (error) {
    log.error({ err: error }, "webhook delivery failed unexpectedly; Cloud Tasks will deliver it again");
    if (!res.headersSent) sendProblem(res, problem("unavailable", "The webhook could not be delivered."));
  }
}
