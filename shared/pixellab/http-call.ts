import { errorFromHttp, errorFromThrown, malformedResponse } from "./pixellab-errors.ts";

/** What every PixelLab HTTP call shares. */
export interface HttpContext {
  fetch: typeof fetch;
  apiKey: string;
  /** Clock, epoch ms (for HTTP-date `Retry-After`). */
  now: () => number;
  /** Upper bound on one HTTP exchange, in ms, on top of the caller's signal. */
  requestTimeoutMs: number;
}

/** One request: what to call, and a short name for error messages (never containing the key). */
export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  body?: unknown;
  signal: AbortSignal;
  what: string;
}

/**
 * Makes one authenticated JSON call and returns the parsed 2xx body; anything else throws a JobError.
 * The caller's signal and our per-request timeout are both handed to fetch, so an abort tears down the
 * socket (undici destroys an in-flight connection), not just the promise. Redirects are not followed:
 * the Authorization header must never be replayed to another host.
 */
export async function callPixelLab(ctx: HttpContext, request: HttpRequest): Promise<unknown> {
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(ctx.requestTimeoutMs)]);
  const headers: Record<string, string> = {
    Authorization: `Bearer ${ctx.apiKey}`,
    Accept: "application/json",
  };
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const response = await ctx.fetch(request.url, {
      method: request.method,
      headers,
      signal,
      redirect: "manual",
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    status = response.status;
    retryAfter = response.headers.get("retry-after");
    // Reading the body is inside the try: a socket that dies mid-body is a network error too.
    text = await response.text();
  } catch (error) {
    throw errorFromThrown(error, signal.aborted, ctx.apiKey, request.what);
  }
  if (status < 200 || status > 299) {
    throw errorFromHttp({ status, bodyText: text, retryAfter, nowMs: ctx.now(), apiKey: ctx.apiKey });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedResponse(
      request.what,
      `answered ${status} with a body that is not JSON`,
      ctx.apiKey,
      status,
    );
  }
}
