import { z } from "zod";
import { apiHttpOptions, apiRequest, readJson } from "./api-http.ts";
import { decodeBody, jobViewSchema } from "./response-schemas.ts";
import type { JobView } from "../submission/job-view.ts";

/** `GET /v1/admin/queue`: the queue-wide gauges, as `shared/telemetry/queue-gauges.ts` computes them. */
export const queueGaugesSchema = z.object({
  /** When they were read, ms since the epoch. */
  at: z.number(),
  jobs: z.object({ queued: z.number(), "retry-wait": z.number(), processing: z.number() }),
  oldestQueuedAgeSeconds: z.number(),
  deadLetters: z.number(),
  activeUsers: z.number(),
});
export type QueueGaugesView = z.infer<typeof queueGaugesSchema>;

const errorView = z.object({
  type: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  status: z.number().nullable(),
  at: z.string(),
});

/** One entry of `GET /v1/admin/dead-letters` (see `shared/admin/dead-letter-view.ts`); loose, newer fields pass. */
export const deadLetterSchema = z.looseObject({
  jobId: z.string(),
  userId: z.string(),
  operation: z.string(),
  errorType: z.string(),
  error: errorView,
  attemptErrors: z.array(errorView),
  attempts: z.number(),
  failedAt: z.string(),
  expireAt: z.string(),
});
export type DeadLetterEntry = z.infer<typeof deadLetterSchema>;

export const deadLetterPageSchema = z.object({
  entries: z.array(deadLetterSchema),
  nextCursor: z.string().nullable(),
});

/** The operator routes (`/v1/admin/...`); every call needs a token with the `admin` claim, else 403. */
export interface AdminClient {
  queue(opts?: { signal?: AbortSignal }): Promise<QueueGaugesView>;
  /** The newest dead letters first, without their inputs. */
  deadLetters(opts?: {
    errorType?: string;
    /** 1..100. @defaultValue the API's (20) */
    limit?: number;
    cursor?: string;
    signal?: AbortSignal;
  }): Promise<{ entries: DeadLetterEntry[]; nextCursor: string | null }>;
  /** Queues the job again as a new run; 404 without an entry, 409 when the job is not failed any more. */
  retry(jobId: string): Promise<JobView>;
  /** Removes the entry; the job stays failed. 404 without an entry. */
  discard(jobId: string): Promise<void>;
}

export interface AdminClientOptions {
  /** Where the `api` function answers (a path prefix is kept). */
  apiBaseUrl: string;
  /** An operator's Firebase ID token; called before every request. */
  getIdToken: () => Promise<string>;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Limit of one request, in ms. @defaultValue 30_000 */
  requestTimeoutMs?: number;
}

/** Refusals throw `QueueApiError` (with the problem document), as `createQueueClient` does. */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const http = apiHttpOptions(options);
  const entryPath = (jobId: string) => `/v1/admin/dead-letters/${encodeURIComponent(jobId)}`;
  return {
    async queue(opts = {}) {
      const path = "/v1/admin/queue";
      const response = await apiRequest(http, { method: "GET", path, signal: opts.signal });
      return decodeBody(queueGaugesSchema, await readJson(response), `GET ${path}`);
    },
    async deadLetters(opts = {}) {
      const query = new URLSearchParams();
      if (opts.errorType !== undefined) query.set("errorType", opts.errorType);
      if (opts.limit !== undefined) query.set("limit", String(opts.limit));
      if (opts.cursor !== undefined) query.set("cursor", opts.cursor);
      const search = query.toString();
      const path = `/v1/admin/dead-letters${search === "" ? "" : `?${search}`}`;
      const response = await apiRequest(http, { method: "GET", path, signal: opts.signal });
      return decodeBody(deadLetterPageSchema, await readJson(response), `GET ${path}`);
    },
    async retry(jobId) {
      const path = `${entryPath(jobId)}/retry`;
      const response = await apiRequest(http, { method: "POST", path });
      return decodeBody(jobViewSchema, await readJson(response), `POST ${path}`);
    },
    async discard(jobId) {
      await apiRequest(http, { method: "DELETE", path: entryPath(jobId) });
    },
  };
}
