import type { Lane } from "../lanes.ts";
import type { Job } from "../store/job-document.ts";
import { traceIdOf } from "../telemetry/trace-id.ts";
import type { Waiting } from "./waiting-reason.ts";
import type { JobWebhook, WebhookEvent, WebhookMessageState } from "../webhooks/job-webhook.ts";

/** The job as its owner sees it over HTTP. Times are RFC 3339 strings. */
export interface JobView {
  jobId: string;
  operation: string;
  status: Job["status"];
  progress: Job["progress"];
  attempts: number;
  maxAttempts: number;
  cached: boolean;
  cancelRequested: boolean;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  nextAttemptAt: string | null;
  /**
   * The job's trace id (one trace holds its submit and every attempt), for a user to quote; null
   * for a job made without tracing. Optional only because older servers did not send it.
   */
  traceId?: string | null;
  /** The job's lane (`options.priority`). Optional only because older servers did not send it. */
  priority?: Lane;
  result?: {
    images: { base64: string; width: number; height: number; format: "png"; url: string }[];
    usage: Record<string, unknown> | null;
  };
  error?: { type: string; message: string; retryable: boolean };
  /** Why a queued job has not started (`GET /v1/jobs/{id}` only; see `waiting-reason.ts`). */
  waiting?: Waiting;
  /** The job's webhook and every delivery of it, when the job has one (`options.webhook`). */
  webhook?: WebhookView;
}

/** A job's webhook as its owner sees it: each message (one per end) with every attempt. */
export interface WebhookView {
  url: string;
  events: WebhookEvent[];
  deliveries: {
    /** The `webhook-id` every attempt carried. */
    webhookId: string;
    event: WebhookEvent;
    state: WebhookMessageState;
    createdAt: string;
    attempts: { at: string; statusCode: number | null; error: string | null; durationMs: number }[];
  }[];
}

function webhookView(webhook: JobWebhook): WebhookView {
  return {
    url: webhook.url,
    events: webhook.events,
    deliveries: webhook.messages.map((m) => ({
      webhookId: m.id,
      event: m.type,
      state: m.state,
      createdAt: new Date(m.at).toISOString(),
      attempts: m.attempts.map((a) => ({
        at: new Date(a.at).toISOString(),
        statusCode: a.status,
        error: a.error,
        durationMs: a.durationMs,
      })),
    })),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function jobUrl(jobId: string): string {
  return `/v1/jobs/${jobId}`;
}

/**
 * Builds the owner's view. A completed job carries its images (base64 PNG, as PixelLab returns
 * them, plus a URL serving the bytes); a job that failed, or is waiting for a retry, carries its
 * last error.
 */
export function toJobView(job: Job): JobView {
  const view: JobView = {
    jobId: job.id,
    operation: job.operation,
    status: job.status,
    progress: job.progress,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    cached: job.cached,
    cancelRequested: job.cancelRequested,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    nextAttemptAt: iso(job.nextAttemptAt),
    traceId: traceIdOf(job.traceparent),
    priority: job.priority,
  };
  if (job.status === "completed" && job.result !== null) {
    view.result = {
      images: job.result.images.map((image, index) => ({
        ...image,
        url: `${jobUrl(job.id)}/result?index=${index}`,
      })),
      usage: job.result.usage,
    };
  }
  if (job.error !== null && job.status !== "completed") {
    view.error = { type: job.error.type, message: job.error.message, retryable: job.error.retryable };
  }
  if (job.webhook !== null) view.webhook = webhookView(job.webhook);
  return view;
}

/**
 * A strong ETag of the answer: the document version (it changes with every write to the job) and,
 * for a queued job, what its `waiting` says (its code and place in line or retry time), which moves
 * without a write. Browsers revalidate with it on their own, so an ETag of the version alone made
 * them keep showing a stale reason from their cache.
 */
export function etagOf(version: string, waiting?: Waiting): string {
  if (waiting === undefined) return `"${version}"`;
  return `"${version}-${waiting.code}-${waiting.position ?? waiting.until ?? ""}"`;
}
