import type { Request, Response } from "@google-cloud/functions-framework";
import { bulkDeadLetters, type BulkAction } from "../shared/admin/bulk-dead-letters.ts";
import { discardDeadLetter } from "../shared/admin/discard-dead-letter.ts";
import { listDeadLetterPage, readDeadLetter } from "../shared/admin/list-dead-letters.ts";
import { replayDeadLetter } from "../shared/admin/replay-dead-letter.ts";
import { problem } from "../shared/http/problem.ts";
import type { Caller } from "../shared/ports/id-token-verifier.ts";
import { readQueueGauges } from "../shared/telemetry/queue-gauges.ts";
import type { ApiRuntime } from "../shared/wiring/api-deps.ts";
import { queryValue, sendJson, sendProblem } from "./http-io.ts";

const COLLECTION_PATH = "/v1/admin/dead-letters";
/** The queue-wide gauges (the operator page polls it every few seconds). */
const QUEUE_PATH = "/v1/admin/queue";
const BULK_PATH = /^\/v1\/admin\/dead-letters:(retry|delete)$/;
const ENTRY_PATH = /^\/v1\/admin\/dead-letters\/([^/:]+)(\/retry)?$/;

/**
 * Whether `path` is an operator route. The API verifies tokens for these with the revocation check
 * (one Auth round trip each), so taking an operator's claim away and revoking their tokens locks
 * them out at once rather than when the token expires (up to 1 h).
 */
export function isAdminPath(path: string): boolean {
  return path === "/v1/admin" || path.startsWith("/v1/admin/");
}

/**
 * The operator routes (queue gauges, dead letters), inside the `api` function. Returns false when the path is not an
 * admin path (the caller routes on); otherwise answers. Every admin path needs a token with the
 * `admin: true` custom claim: others get 403 before anything is read. The caller must have been
 * authenticated with the revocation check (see {@link isAdminPath}).
 */
export async function routeAdmin(runtime: ApiRuntime, caller: Caller, req: Request, res: Response) {
  const { path, method } = req;
  if (!isAdminPath(path)) return false;
  if (!caller.admin) {
    sendProblem(res, problem("forbidden", "Only operators (tokens with the admin claim) may use /v1/admin."));
    return true;
  }
  const deps = runtime.deps;
  if (path === QUEUE_PATH && method === "GET") {
    sendJson(res, 200, await readQueueGauges(deps, deps.clock.now()));
    return true;
  }
  if (path === COLLECTION_PATH && method === "GET") {
    const outcome = await listDeadLetterPage(deps, {
      errorType: queryValue(req, "errorType"),
      limit: queryValue(req, "limit"),
      cursor: queryValue(req, "cursor"),
    });
    if (outcome.kind === "rejected") sendProblem(res, outcome.problem);
    else sendJson(res, 200, { entries: outcome.entries, nextCursor: outcome.nextCursor });
    return true;
  }
  const bulk = BULK_PATH.exec(path);
  if (bulk?.[1] !== undefined && method === "POST") {
    await postBulk(runtime, bulk[1] as BulkAction, req, res);
    return true;
  }
  const entry = ENTRY_PATH.exec(path);
  const jobId = entry?.[1];
  if (jobId !== undefined && entry?.[2] !== undefined && method === "POST") {
    const outcome = await replayDeadLetter(deps, jobId);
    if (outcome.kind === "rejected") sendProblem(res, outcome.problem);
    else sendJson(res, 202, outcome.view, { Location: `/v1/jobs/${jobId}` });
    return true;
  }
  if (jobId !== undefined && entry?.[2] === undefined && method === "GET") {
    const outcome = await readDeadLetter(deps, jobId);
    if (outcome.kind === "rejected") sendProblem(res, outcome.problem);
    else sendJson(res, 200, outcome.entry);
    return true;
  }
  if (jobId !== undefined && entry?.[2] === undefined && method === "DELETE") {
    const outcome = await discardDeadLetter(deps, jobId);
    if (outcome.kind === "rejected") sendProblem(res, outcome.problem);
    else res.status(204).end();
    return true;
  }
  const known = path === COLLECTION_PATH || path === QUEUE_PATH || bulk !== null || entry !== null;
  sendProblem(
    res,
    known
      ? problem("method-not-allowed", `${method} is not supported on ${path}.`)
      : problem("not-found", `No route ${path}.`),
  );
  return true;
}

async function postBulk(runtime: ApiRuntime, action: BulkAction, req: Request, res: Response) {
  if (!req.is("application/json")) {
    return sendProblem(
      res,
      problem("unsupported-media-type", "Send the filter as 'Content-Type: application/json'."),
    );
  }
  const outcome = await bulkDeadLetters(runtime.deps, action, req.body);
  if (outcome.kind === "rejected") return sendProblem(res, outcome.problem);
  const count = action === "retry" ? { retried: outcome.done.length } : { deleted: outcome.done.length };
  sendJson(res, 200, { ...count, jobIds: outcome.done, failed: outcome.failed });
}
