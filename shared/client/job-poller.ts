import type { JobView } from "../submission/job-view.ts";
import { sleep } from "./abortable.ts";
import { apiRequest, readJson, type ApiHttpOptions } from "./api-http.ts";
import { QueueApiError, UnexpectedResponseError } from "./client-errors.ts";
import { decodeBody, jobViewSchema } from "./response-schemas.ts";
import { retryDelayMs, type RetryPolicy } from "./retry-delay.ts";

export interface PollSettings {
  /** How long the API may hold each request until the job changes (long-poll), 1..25 s. */
  waitSeconds: number;
  retry: RetryPolicy;
  /**
   * The shortest time between two requests that found no change, in ms: guards against a hot loop
   * should a server (or proxy) answer 304 without holding. @defaultValue 1_000
   */
  minIntervalMs: number;
}

/**
 * Every state the API reports for a job, as it changes, until `signal` aborts (the caller stops
 * iterating at a terminal status). The first request answers at once; later ones send the last
 * ETag with `If-None-Match` and `waitSeconds`, so the API holds them until the job changes and a
 * quiet job costs one request per `waitSeconds`. Network errors, 408, 429 and 5xx are retried with
 * capped exponential backoff; any other refusal (404, 401, 403) ends the iteration with its error.
 */
export async function* pollJobStates(
  http: ApiHttpOptions,
  jobId: string,
  signal: AbortSignal,
  settings: PollSettings,
): AsyncGenerator<JobView> {
  let etag: string | undefined;
  let first = true;
  let failures = 0;
  for (;;) {
    const started = Date.now();
    let response: Response;
    try {
      response = await apiRequest(http, {
        method: "GET",
        path: `/v1/jobs/${encodeURIComponent(jobId)}${first ? "" : `?waitSeconds=${settings.waitSeconds}`}`,
        headers: etag === undefined ? {} : { "if-none-match": etag },
        signal,
        holdMs: first ? 0 : settings.waitSeconds * 1000,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!isTransient(error)) throw error;
      failures += 1;
      const retryAfter = error instanceof QueueApiError ? error.retryAfterSeconds : undefined;
      await sleep(retryDelayMs(failures, settings.retry, retryAfter), signal);
      continue;
    }
    failures = 0;
    first = false;
    if (response.status === 304) {
      const elapsed = Date.now() - started;
      if (elapsed < settings.minIntervalMs) await sleep(settings.minIntervalMs - elapsed, signal);
      continue;
    }
    etag = response.headers.get("etag") ?? undefined;
    yield decodeBody(jobViewSchema, await readJson(response), `GET /v1/jobs/${jobId}`);
  }
}

/** Whether trying the same poll again can help: API answers that say so, and failures before any answer. */
function isTransient(error: unknown): boolean {
  if (error instanceof QueueApiError) return error.retryable;
  return !(error instanceof UnexpectedResponseError);
}
