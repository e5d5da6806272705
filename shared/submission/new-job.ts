import { initialJobState } from "../job-state.ts";
import type { NormalisedRequest } from "../operations/operations.ts";
import { progressAt } from "../progress.ts";
import type { Lane } from "../lanes.ts";
import type { JobSpend } from "../spend-budget.ts";
import type { Job, JobResult } from "../store/job-document.ts";
import { currentTraceparent } from "../telemetry/spans.ts";
import type { WebhookEvent } from "../webhooks/job-webhook.ts";

export interface NewJobFacts {
  /** The job's webhook (`options.webhook`), already vetted. @defaultValue none */
  webhook?: { url: string; events: WebhookEvent[] } | undefined;
  /** The lane the job waits in. @defaultValue "interactive" */
  priority?: Lane;
  id: string;
  userId: string;
  request: NormalisedRequest;
  cacheKey: string;
  timeoutMs: number;
  maxAttempts: number;
  now: number;
}

/**
 * A job as admitted: queued, holding the user's slot `slot` (and `spend`, its hold on the user's
 * daily budget, when one applies). It records the active span (the
 * submit's request span) as its trace context, which every attempt continues.
 */
export function queuedJob(facts: NewJobFacts, slot: number, spend: JobSpend | null = null): Job {
  return {
    ...initialJobState(facts.maxAttempts),
    id: facts.id,
    userId: facts.userId,
    operation: facts.request.operation,
    input: facts.request.input as Record<string, unknown>,
    cacheKey: facts.cacheKey,
    timeoutMs: facts.timeoutMs,
    createdAt: facts.now,
    updatedAt: facts.now,
    cached: false,
    result: null,
    slot,
    pixellabJobId: null,
    attemptErrors: [],
    run: 0,
    traceparent: currentTraceparent(),
    spend,
    priority: facts.priority ?? "interactive",
    webhook: facts.webhook === undefined ? null : { ...facts.webhook, messages: [], checkAt: null },
  };
}

/**
 * A job answered from the cache: born completed, so listeners and polling see the same document
 * shape as for a generated result. It takes no slot, no task and no PixelLab call.
 */
export function cachedJob(facts: NewJobFacts, result: JobResult): Job {
  return {
    ...queuedJob(facts, 0),
    slot: null,
    status: "completed",
    progress: progressAt("done"),
    finishedAt: facts.now,
    cached: true,
    result,
  };
}
