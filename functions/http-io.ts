import type { Request, Response } from "@google-cloud/functions-framework";
import { problem, type Problem } from "../shared/http/problem.ts";
import { InvalidTokenError, type Caller, type IdTokenVerifier } from "../shared/ports/id-token-verifier.ts";

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
    "Authorization, Content-Type, Idempotency-Key, If-None-Match",
  );
  res.setHeader("Access-Control-Max-Age", "3600");
  res.status(204).end();
  return true;
}

/** The verified caller, or undefined after answering 401. */
export async function authenticate(
  req: Request,
  res: Response,
  auth: IdTokenVerifier,
): Promise<Caller | undefined> {
  const header = req.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="generation-queue"');
    sendProblem(res, problem("unauthorized", "Send a Firebase ID token as 'Authorization: Bearer <token>'."));
    return undefined;
  }
  try {
    return await auth.verify(match[1]);
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error; // our side failed: 503, not "sign in again"
    res.setHeader("WWW-Authenticate", 'Bearer realm="generation-queue", error="invalid_token"');
    sendProblem(res, problem("unauthorized", "The ID token is invalid or expired."));
    return undefined;
  }
}

/** A single query-string value (arrays and objects are treated as absent). */
export function queryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === "string" ? value : undefined;
}
