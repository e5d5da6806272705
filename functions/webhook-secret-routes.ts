import type { Request, Response } from "@google-cloud/functions-framework";
import { problem } from "../shared/http/problem.ts";
import type { Caller } from "../shared/ports/id-token-verifier.ts";
import { readWebhookSecret, rotateWebhookSecret } from "../shared/webhooks/webhook-secret.ts";
import type { ApiRuntime } from "../shared/wiring/api-deps.ts";
import { sendJson, sendProblem } from "./http-io.ts";

export const WEBHOOK_SECRET_PATH = "/v1/webhook-secret";
export const WEBHOOK_SECRET_ROTATE_PATH = "/v1/webhook-secret/rotate";

/**
 * The caller's webhook signing secret: `GET` reads it (made on first use), `POST .../rotate` replaces
 * it. Answers and returns true when `req` is one of these routes, else returns false. The secret is
 * never cached by a browser or proxy.
 */
export async function routeWebhookSecret(
  runtime: ApiRuntime,
  caller: Caller,
  req: Request,
  res: Response,
): Promise<boolean> {
  const { path, method } = req;
  if (path !== WEBHOOK_SECRET_PATH && path !== WEBHOOK_SECRET_ROTATE_PATH) return false;
  res.setHeader("Cache-Control", "no-store");
  if (path === WEBHOOK_SECRET_PATH && method === "GET") {
    sendJson(res, 200, await readWebhookSecret(runtime.deps, caller.uid));
  } else if (path === WEBHOOK_SECRET_ROTATE_PATH && method === "POST") {
    sendJson(res, 200, await rotateWebhookSecret(runtime.deps, caller.uid));
  } else {
    sendProblem(res, problem("method-not-allowed", `${method} is not supported on ${path}.`));
  }
  return true;
}
