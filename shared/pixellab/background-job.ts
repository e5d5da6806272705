import { setTimeout as sleepFor } from "node:timers/promises";
import { JobError } from "../errors.ts";
import { redact } from "./pixellab-errors.ts";
import {
  decodeResultBody,
  type BackgroundJobSnapshot,
  type ExpectedOutput,
  type GenerationResult,
} from "./response-decoding.ts";

/** Waits `ms` milliseconds; rejects when `signal` aborts. Injectable so tests need not wait. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real {@link Sleep}: a timer that is cancelled (not just ignored) on abort. */
export const realSleep: Sleep = (ms, signal) => sleepFor(ms, undefined, { signal });

/** Reported after every poll that found the job still running. */
export interface JobProgress {
  jobId: string;
  /** PixelLab's status word as sent (`processing`, `queued`, `pending`, ...). */
  status: string;
  /** Polls made so far, ≥ 1. */
  polls: number;
  /** Since polling began, in ms. */
  elapsedMs: number;
}

// PY2 accepts these synonyms (reference §3.9); anything else (processing, pending, running, queued,
// review, ...) means "not finished yet".
const SUCCESS = new Set(["completed", "complete", "done", "success", "succeeded", "finished"]);
const FAILURE = new Set(["failed", "error", "errored", "cancelled", "canceled"]);

/** Sorts a status word into finished-well, finished-badly or still running. Case-insensitive. */
export function classifyJobStatus(status: string): "completed" | "failed" | "running" {
  const word = status.trim().toLowerCase();
  if (SUCCESS.has(word)) return "completed";
  if (FAILURE.has(word)) return "failed";
  return "running";
}

/**
 * The background job will never give a usable result: it failed, its result was unusable, or PixelLab
 * no longer knows it (404). Retryable (`upstream`) because a *new* job can succeed, but the caller
 * must forget `jobId` first: polling the same job again would only repeat this.
 */
export class BackgroundJobEndedError extends JobError {
  readonly jobId: string;
  readonly reason: "failed" | "unusable_result" | "not_found";

  constructor(jobId: string, reason: BackgroundJobEndedError["reason"], message: string, status?: number) {
    super({ type: "upstream", message, ...(status === undefined ? {} : { status }) });
    this.name = "BackgroundJobEndedError";
    this.jobId = jobId;
    this.reason = reason;
  }
}

/**
 * Delay before poll `attempt + 1`, in ms: `initialMs × 1.5^attempt`, capped at `maxMs`. Pure. A
 * gentle factor because jobs take 15–180 s and aggressive polling can itself draw a 429 (§3.9, §4).
 */
export function nextPollDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.round(initialMs * 1.5 ** attempt));
}

/** What {@link pollBackgroundJob} needs; every side effect is a parameter. */
export interface PollOptions {
  jobId: string;
  /** One `GET /v2/background-jobs/{id}`; throws a JobError for a non-2xx answer. */
  fetchSnapshot: (signal: AbortSignal) => Promise<BackgroundJobSnapshot>;
  signal: AbortSignal;
  expected: ExpectedOutput;
  onProgress?: ((progress: JobProgress) => void) | undefined;
  sleep: Sleep;
  /** Clock, epoch ms. */
  now: () => number;
  /** First pause between polls, in ms. */
  intervalMs: number;
  /** Longest pause between polls, in ms. */
  maxIntervalMs: number;
  /** Give up (as `timeout`) when the job is still running after this long, in ms. */
  maxWaitMs: number;
  /** Scrubbed from any text PixelLab sends back before it becomes an error message. */
  apiKey: string;
}

/**
 * Polls a background job with capped exponential backoff until it completes (returns the decoded,
 * size-checked images) or fails (throws {@link BackgroundJobEndedError}). 423 and 429 while polling
 * mean "ask again later" (honouring `Retry-After`); any other error is thrown as is, so the caller's
 * retry can resume polling the same job.
 */
export async function pollBackgroundJob(options: PollOptions): Promise<GenerationResult> {
  const { jobId, signal, now } = options;
  const startedAt = now();
  for (let attempt = 0; ; attempt += 1) {
    const snapshot = await pollOnce(options);
    // "later" (423/429) already waited for any Retry-After inside pollOnce; it still backs off below.
    if (snapshot !== "later") {
      const kind = classifyJobStatus(snapshot.status);
      if (kind === "completed") return completedResult(options, snapshot);
      if (kind === "failed") throw failedJob(options, snapshot);
      options.onProgress?.({
        jobId,
        status: snapshot.status,
        polls: attempt + 1,
        elapsedMs: now() - startedAt,
      });
    }
    const delay = nextPollDelay(attempt, options.intervalMs, options.maxIntervalMs);
    const elapsed = now() - startedAt;
    if (elapsed + delay > options.maxWaitMs) {
      throw new JobError({
        type: "timeout",
        message: `PixelLab background job ${jobId} still running after ${elapsed} ms (limit ${options.maxWaitMs} ms)`,
      });
    }
    await sleepOrTimeout(options.sleep, delay, signal, jobId);
  }
}

async function pollOnce(options: PollOptions): Promise<BackgroundJobSnapshot | "later"> {
  try {
    return await options.fetchSnapshot(options.signal);
  } catch (error) {
    if (!(error instanceof JobError)) throw error;
    if (error.status === 404) {
      throw new BackgroundJobEndedError(
        options.jobId,
        "not_found",
        `PixelLab background job ${options.jobId} not found`,
        404,
      );
    }
    // 423 Locked: still generating; 429: polled too eagerly. Both mean "wait and ask again".
    if (error.status !== 423 && error.status !== 429) throw error;
    if (error.retryAfterMs !== undefined) {
      await sleepOrTimeout(
        options.sleep,
        Math.min(error.retryAfterMs, options.maxWaitMs),
        options.signal,
        options.jobId,
      );
    }
    return "later";
  }
}

function completedResult(options: PollOptions, snapshot: BackgroundJobSnapshot): GenerationResult {
  const decoded = decodeResultBody(snapshot.lastResponse ?? {}, options.expected);
  if (!decoded.ok) {
    const message = redact(`PixelLab background job ${options.jobId}: ${decoded.problem}`, options.apiKey);
    throw new BackgroundJobEndedError(options.jobId, "unusable_result", message);
  }
  // The job carries the cost on its own `usage`; a `last_response.usage` is the fallback.
  return { images: decoded.value.images, usage: snapshot.usage ?? decoded.value.usage };
}

function failedJob(options: PollOptions, snapshot: BackgroundJobSnapshot): BackgroundJobEndedError {
  const last = snapshot.lastResponse ?? {};
  // REF2 puts the reason in `last_response.detail`; PY2 also reads `.error`.
  const reason = last.detail ?? last.error;
  const text =
    reason === undefined ? "no reason given" : typeof reason === "string" ? reason : JSON.stringify(reason);
  const message = redact(
    `PixelLab background job ${options.jobId} ${snapshot.status}: ${text}`,
    options.apiKey,
  );
  return new BackgroundJobEndedError(options.jobId, "failed", message);
}

async function sleepOrTimeout(sleep: Sleep, ms: number, signal: AbortSignal, jobId: string): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    throw new JobError({
      type: "timeout",
      message: `waiting for PixelLab background job ${jobId} was aborted`,
    });
  }
}
