import type { Request, Response } from "@google-cloud/functions-framework";
import { problem, type Problem } from "../shared/http/problem.ts";
import { InvalidAppCheckTokenError, type AppCheckVerifier } from "../shared/ports/app-check-verifier.ts";
import {
  InvalidTokenError,
  type Caller,
  type IdTokenVerifier,
  type VerifyOptions,
} from "../shared/ports/id-token-verifier.ts";

/** Sends a problem document with its status and, when it has one, `Retry-After`. */
export function sendProblem(res: Response, body: Problem): void {
  if (body.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(body.retryAfterSeconds));
  res.status(body.status).type("application/problem+json").send(JSON.stringify(body));
}

export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json(body);
}

/**
 * Browsers call the API from the web client's origin. Credentials travel in the Authorization header,
 * not cookies, so any origin may call; a preflight answers 204.
 */
export function applyCors(req: Request, res: Response): boolean {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Expose-Headers", "ETag, Location, Retry-After");
  if (req.method !== "OPTIONS") return false;
  res.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
  res.setHeader(
    "Access-Control-Allow-Headers",
    "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Firebase-AppCheck",
  );
  res.setHeader("Access-Control-Max-Age", "3600");
  res.status(204).end();
  return true;
}

/**
 * Answers 413 when the body is over `maxBytes`, and is the first thing the API does with a request
 * that is not a preflight: no token is verified and nothing is read for an oversized body.
 *
 * It cannot be earlier. The Functions Framework (v5) reads and parses every body a parser claims
 * (JSON, text, forms and, through its catch-all raw parser, any Content-Type at all) up to 1 GiB,
 * inflating gzip, deflate, br and zstd, before the function runs, and offers no option or hook to
 * lower that (upstream issue 686). Google's front end caps a request at 32 MiB. Both sizes count:
 * `rawBody` (what the framework read, after inflating) and the declared Content-Length, so a body
 * no parser claimed (no Content-Type) is refused unread; the connection is then closed rather than
 * left to drain it.
 */
export function refuseOversizedBody(req: Request, res: Response, maxBytes: number): boolean {
  const declared = Number(req.get("content-length") ?? "0");
  const size = Math.max(req.rawBody?.length ?? 0, Number.isFinite(declared) ? declared : 0);
  if (size <= maxBytes) return false;
  res.setHeader("Connection", "close");
  sendProblem(res, problem("payload-too-large", `The body is ${size} bytes; the limit is ${maxBytes}.`));
  return true;
}

/**
 * The verified caller, or undefined after answering 401. `options.checkRevoked` also refuses tokens
 * revoked since they were issued, at the price of one Auth round trip (see {@link VerifyOptions}).
 */
export async function authenticate(
  req: Request,
  res: Response,
  auth: IdTokenVerifier,
  options: VerifyOptions = {},
): Promise<Caller | undefined> {
  const header = req.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="generation-queue"');
    sendProblem(res, problem("unauthorized", "Send a Firebase ID token as 'Authorization: Bearer <token>'."));
    return undefined;
  }
  try {
    return await auth.verify(match[1], options);
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error; // our side failed: 503, not "sign in again"
    res.setHeader("WWW-Authenticate", 'Bearer realm="generation-queue", error="invalid_token"');
    const detail =
      error.code === "auth/id-token-revoked"
        ? "The ID token has been revoked; sign in again."
        : "The ID token is invalid or expired.";
    sendProblem(res, problem("unauthorized", detail));
    return undefined;
  }
}

/**
 * With App Check required (`verifier` set), the request must carry a valid `X-Firebase-AppCheck`
 * token; otherwise answers 401 `app-check-failed` and returns false. A verifier that could not check
 * (Google's keys unreachable) throws: 503, not "get a new token".
 */
export async function checkApp(
  req: Request,
  res: Response,
  verifier: AppCheckVerifier | undefined,
): Promise<boolean> {
  if (verifier === undefined) return true;
  const token = req.get("x-firebase-appcheck");
  if (token === undefined || token === "") {
    sendProblem(
      res,
      problem("app-check-failed", "Send a Firebase App Check token as 'X-Firebase-AppCheck'."),
    );
    return false;
  }
  try {
    await verifier.verify(token);
    return true;
  } catch (error) {
    if (!(error instanceof InvalidAppCheckTokenError)) throw error;
    sendProblem(
      res,
      problem("app-check-failed", "The App Check token is invalid or expired; get a fresh one."),
    );
    return false;
  }
}

/** A single query-string value (arrays and objects are treated as absent). */
export function queryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === "string" ? value : undefined;
}
