import { apiHttpOptions, apiRequest, readJson } from "./api-http.ts";
import {
  deadLetterPageSchema,
  jobViewSchema,
  queueGaugesSchema,
  type DeadLetterEntry,
  type QueueGaugesView,
} from "../http/answer-schemas.ts";
import type { JobView } from "../submission/job-view.ts";
import { decodeBody } from "./response-schemas.ts";

export type { DeadLetterEntry, QueueGaugesView } from "../http/answer-schemas.ts";

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
