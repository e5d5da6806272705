import type { JobStatus } from "../job-state.ts";
import type { JobView } from "../submission/job-view.ts";
import type { submitOptions } from "../submission/submit-request.ts";
import type { z } from "zod";
import { apiHttpOptions, apiRequest, readJson } from "./api-http.ts";
import type { JobListener } from "./listener-channel.ts";
import {
  decodeBody,
  jobPageSchema,
  jobViewSchema,
  submitBodySchema,
  webhookSecretSchema,
} from "./response-schemas.ts";
import type { WebhookSecretView } from "../webhooks/webhook-secret.ts";
import { DEFAULT_RETRY_POLICY } from "./retry-delay.ts";
import { watchJob, type WatchEvent } from "./watch-job.ts";

export {
  QueueApiError,
  UnexpectedResponseError,
  WatchTimeoutError,
  type ApiProblem,
} from "./client-errors.ts";
export type { JobListener } from "./listener-channel.ts";
export type { WatchEvent } from "./watch-job.ts";
export type { JobView } from "../submission/job-view.ts";
export {
  verifyWebhook,
  WebhookVerificationError,
  type WebhookHeaders,
  type WebhookPayload,
} from "./verify-webhook.ts";

/** Runs in browsers and Node 22: only `fetch`, `AbortSignal` and timers, no Node modules. */
export interface QueueClientOptions {
  /** Where the `api` function answers, e.g. `http://127.0.0.1:8081` (a path prefix is kept). */
  apiBaseUrl: string;
  /** A Firebase ID token for `Authorization: Bearer`; called before every request (Firebase refreshes it). */
  getIdToken: () => Promise<string>;
  /**
   * A Firebase App Check token, sent as `X-Firebase-AppCheck` on every request, for a deployment
   * with `APP_CHECK=required` (the Firebase JS SDK's `getToken(appCheck)`, which caches and
   * refreshes it). Absent: no header.
   */
  getAppCheckToken?: () => Promise<string>;
  /** Realtime updates for `watch` (see `firestoreJobListener`); absent or failing → polling. */
  listen?: JobListener;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** No first listener snapshot within this many ms → `watch` polls instead. @defaultValue 5_000 */
  listenerStartTimeoutMs?: number;
  /**
   * How long a listener may stay quiet on a job that has not ended before the client asks the API
   * once, in ms: a listener that silently stopped delivering (seen on the emulator under load)
   * must not leave a watcher waiting until its deadline. @defaultValue 15_000
   */
  listenerQuietCheckMs?: number;
  /** How long each poll may be held by the API until the job changes, 1..25 s. @defaultValue 20 */
  pollWaitSeconds?: number;
  /** `watch`'s overall deadline, in ms, unless the call gives its own. @defaultValue 900_000 (15 min) */
  watchTimeoutMs?: number;
  /** Limit of one request, in ms; a long-poll gets its hold time on top. @defaultValue 30_000 */
  requestTimeoutMs?: number;
  /** First delay of polling's backoff after a network error, 429 or 5xx, in ms. @defaultValue 500 */
  pollRetryBaseMs?: number;
  /** Cap of polling's backoff, in ms (a longer `Retry-After` still wins). @defaultValue 10_000 */
  pollRetryMaxMs?: number;
}

/** The body of `POST /v1/jobs`; `options` is typed from the schema the API validates it with. */
export interface SubmitRequest {
  operation: string;
  input: Record<string, unknown>;
  options?: z.input<typeof submitOptions>;
}

export interface SubmitResult {
  jobId: string;
  status: JobStatus;
  /** Answered from the result cache: the job is already completed. */
  cached: boolean;
  /** The same user's identical request is already queued or ran moments ago; `jobId` is that job. */
  deduplicated: boolean;
  /** Jobs ahead in the queue (new jobs only). */
  position?: number;
  /** Rough wait before processing starts, in ms (new jobs only). */
  estimatedWaitMs?: number;
  /** The earlier job's whole view (duplicates only). */
  job?: JobView;
  /** The images (cache hits only). */
  result?: JobView["result"];
}

export interface WatchOptions {
  signal?: AbortSignal;
  /** Overall deadline, in ms. @defaultValue the client's `watchTimeoutMs` */
  timeoutMs?: number;
  /** `"polling"` skips the listener. @defaultValue "auto" */
  transport?: "auto" | "polling";
}

export interface QueueClient {
  /** `POST /v1/jobs`. A refusal (422, 429, 503, ...) throws `QueueApiError`. */
  submit(
    request: SubmitRequest,
    opts?: { idempotencyKey?: string; signal?: AbortSignal },
  ): Promise<SubmitResult>;
  /** `GET /v1/jobs/{id}`: the job now. */
  get(jobId: string, opts?: { signal?: AbortSignal }): Promise<JobView>;
  /** Every distinct state until a terminal one; see `watchJob`. */
  watch(jobId: string, opts?: WatchOptions): AsyncIterable<WatchEvent>;
  /** `DELETE /v1/jobs/{id}`: the job cancelled, or marked for cancellation while it runs. 409 once finished. */
  cancel(jobId: string, opts?: { signal?: AbortSignal }): Promise<JobView>;
  /** `GET /v1/jobs/{id}/result?index=i`: one image's PNG bytes. 409 until completed. */
  result(jobId: string, index?: number, opts?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /** `GET /v1/jobs`: the caller's jobs, newest first. */
  list(opts?: {
    /** One of queued, processing, completed, failed, cancelled (others: 422). */
    status?: string;
    limit?: number;
    cursor?: string;
    signal?: AbortSignal;
  }): Promise<{ jobs: JobView[]; nextCursor: string | null }>;
  /** `GET /v1/webhook-secret`: the caller's webhook signing secret (made on first use). */
  webhookSecret(opts?: { signal?: AbortSignal }): Promise<WebhookSecretView>;
  /**
   * `POST /v1/webhook-secret/rotate`: a new signing secret; the previous one keeps signing beside it
   * until `previousSecretExpiresAt` (24 h by default).
   */
  rotateWebhookSecret(opts?: { signal?: AbortSignal }): Promise<WebhookSecretView>;
}

export function createQueueClient(options: QueueClientOptions): QueueClient {
  const http = apiHttpOptions(options);
  const jobPath = (jobId: string) => `/v1/jobs/${encodeURIComponent(jobId)}`;
  const waitSeconds = Math.min(25, Math.max(1, Math.round(options.pollWaitSeconds ?? 20)));
  const retry = {
    baseMs: options.pollRetryBaseMs ?? DEFAULT_RETRY_POLICY.baseMs,
    maxMs: options.pollRetryMaxMs ?? DEFAULT_RETRY_POLICY.maxMs,
  };

  return {
    async submit(request, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.idempotencyKey !== undefined) headers["idempotency-key"] = opts.idempotencyKey;
      const response = await apiRequest(http, {
        method: "POST",
        path: "/v1/jobs",
        json: request,
        headers,
        signal: opts.signal,
      });
      return toSubmitResult(decodeBody(submitBodySchema, await readJson(response), "POST /v1/jobs"));
    },
    async get(jobId, opts = {}) {
      const response = await apiRequest(http, { method: "GET", path: jobPath(jobId), signal: opts.signal });
      return decodeBody(jobViewSchema, await readJson(response), `GET ${jobPath(jobId)}`);
    },
    watch(jobId, opts = {}) {
      return watchJob(jobId, {
        http,
        listen: options.listen,
        listenerStartTimeoutMs: options.listenerStartTimeoutMs ?? 5_000,
        listenerQuietCheckMs: options.listenerQuietCheckMs ?? 15_000,
        poll: { waitSeconds, retry, minIntervalMs: 1_000 },
        timeoutMs: opts.timeoutMs ?? options.watchTimeoutMs ?? 15 * 60_000,
        transport: opts.transport ?? "auto",
        signal: opts.signal,
      });
    },
    async cancel(jobId, opts = {}) {
      const response = await apiRequest(http, {
        method: "DELETE",
        path: jobPath(jobId),
        signal: opts.signal,
      });
      return decodeBody(jobViewSchema, await readJson(response), `DELETE ${jobPath(jobId)}`);
    },
    async result(jobId, index = 0, opts = {}) {
      const path = `${jobPath(jobId)}/result?index=${index}`;
      const response = await apiRequest(http, { method: "GET", path, signal: opts.signal });
      return new Uint8Array(await response.arrayBuffer());
    },
    async list(opts = {}) {
      const query = new URLSearchParams();
      if (opts.status !== undefined) query.set("status", opts.status);
      if (opts.limit !== undefined) query.set("limit", String(opts.limit));
      if (opts.cursor !== undefined) query.set("cursor", opts.cursor);
      const search = query.toString();
      const path = `/v1/jobs${search === "" ? "" : `?${search}`}`;
      const response = await apiRequest(http, { method: "GET", path, signal: opts.signal });
      return decodeBody(jobPageSchema, await readJson(response), `GET ${path}`);
    },
    async webhookSecret(opts = {}) {
      const path = "/v1/webhook-secret";
      const response = await apiRequest(http, { method: "GET", path, signal: opts.signal });
      return decodeBody(webhookSecretSchema, await readJson(response), `GET ${path}`);
    },
    async rotateWebhookSecret(opts = {}) {
      const path = "/v1/webhook-secret/rotate";
      const response = await apiRequest(http, { method: "POST", path, signal: opts.signal });
      return decodeBody(webhookSecretSchema, await readJson(response), `POST ${path}`);
    },
  };
}

/** Tells the three success shapes of `POST /v1/jobs` apart (see `submitBodySchema`). */
export function toSubmitResult(body: ReturnType<typeof submitBodySchema.parse>): SubmitResult {
  const deduplicated = body.deduplicated === true;
  const result: SubmitResult = {
    jobId: body.jobId,
    status: body.status,
    cached: body.cached === true,
    deduplicated,
  };
  if (body.position !== undefined) result.position = body.position;
  if (body.estimatedWaitMs !== undefined) result.estimatedWaitMs = body.estimatedWaitMs;
  if (body.result !== undefined) result.result = body.result;
  if (deduplicated) {
    const view = jobViewSchema.safeParse(body);
    if (view.success) result.job = view.data;
  }
  return result;
}
