import type { NormalisedRequest } from "../operations/operations.ts";
import { decodeBalance, type Balance } from "./balance.ts";
import { pollBackgroundJob, realSleep, type JobProgress, type Sleep } from "./background-job.ts";
import {
  backgroundJobUrl,
  balanceUrl,
  DEFAULT_BASE_URL,
  normaliseBaseUrl,
  operationUrl,
} from "./endpoints.ts";
import { expectedOutput } from "./expected-output.ts";
import { callPixelLab, type HttpContext } from "./http-call.ts";
import { malformedResponse } from "./pixellab-errors.ts";
import { buildRequestBody } from "./request-body.ts";
import {
  decodeBackgroundJob,
  decodeCreateResponse,
  type CreateOutcome,
  type ExpectedOutput,
  type GenerationResult,
} from "./response-decoding.ts";

/** How to reach PixelLab. Durations in ms. */
export interface PixelLabClientOptions {
  /** v1 or v2 base, e.g. a local fake's `http://127.0.0.1:8790/v1`. @defaultValue `https://api.pixellab.ai/v1` */
  baseUrl?: string;
  apiKey: string;
  /** @defaultValue the global `fetch` (undici) */
  fetch?: typeof fetch;
  /** @defaultValue a real, abortable timer */
  sleep?: Sleep;
  /** Clock, epoch ms. @defaultValue `Date.now` */
  now?: () => number;
  /** First pause between background-job polls. @defaultValue 2_000 (docs advise polling every 2–5 s) */
  pollIntervalMs?: number;
  /** Longest pause between polls. @defaultValue 10_000 (docs: 5–10 s for Pro endpoints) */
  maxPollIntervalMs?: number;
  /** Give up on a background job still running after this long. @defaultValue 600_000 (PY2: 500 s) */
  maxJobWaitMs?: number;
  /** Bound on one HTTP exchange, beside the caller's signal. @defaultValue 120_000 (reference §5: ≥ 120 s) */
  requestTimeoutMs?: number;
}

/** Per-call options: every call can be cancelled, and cancelling closes the socket. */
export interface CallOptions {
  signal: AbortSignal;
}

/** Options of {@link PixelLabClient.waitForBackgroundJob}. */
export interface WaitOptions extends CallOptions {
  /** The size and count the result must have; build it with `expectedOutput(request)`. */
  expected: ExpectedOutput;
  /** Called after every poll that found the job still running. */
  onProgress?: (progress: JobProgress) => void;
}

/** Options of {@link PixelLabClient.generate}. */
export interface GenerateOptions extends CallOptions {
  /** Awaited with the job id before polling starts, so the caller can record it for a retry. */
  onBackgroundJob?: (jobId: string) => Promise<void> | void;
  onProgress?: (progress: JobProgress) => void;
}

/** The functions the task handler calls. Every failure is a `JobError`. */
export interface PixelLabClient {
  /** Sends one generation. Answers with the result (sync 200) or a background job id (v2 async). */
  start(request: NormalisedRequest, options: CallOptions): Promise<CreateOutcome>;
  /** Polls a background job (started now or by an earlier attempt) until it completes or fails. */
  waitForBackgroundJob(jobId: string, options: WaitOptions): Promise<GenerationResult>;
  /** `start`, then (for a background job) `onBackgroundJob(jobId)`, then `waitForBackgroundJob`. */
  generate(request: NormalisedRequest, options: GenerateOptions): Promise<GenerationResult>;
  /** The account balance, v1 or v2 shape. */
  balance(options: CallOptions): Promise<Balance>;
}

/** Builds a PixelLab client. Creates no connection and reads no environment until called. */
export function createPixelLabClient(options: PixelLabClientOptions): PixelLabClient {
  const baseUrl = normaliseBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const http: HttpContext = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    apiKey: options.apiKey,
    now: options.now ?? Date.now,
    requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
  };
  const polling = {
    sleep: options.sleep ?? realSleep,
    now: http.now,
    intervalMs: options.pollIntervalMs ?? 2_000,
    maxIntervalMs: options.maxPollIntervalMs ?? 10_000,
    maxWaitMs: options.maxJobWaitMs ?? 600_000,
    apiKey: options.apiKey,
  };

  async function start(request: NormalisedRequest, { signal }: CallOptions): Promise<CreateOutcome> {
    const what = `${request.operation} call`;
    const url = operationUrl(baseUrl, request.operation);
    const body = await callPixelLab(http, {
      method: "POST",
      url,
      body: buildRequestBody(request),
      signal,
      what,
    });
    const decoded = decodeCreateResponse(body, expectedOutput(request));
    if (!decoded.ok) throw malformedResponse(what, decoded.problem, options.apiKey);
    return decoded.value;
  }

  function waitForBackgroundJob(jobId: string, wait: WaitOptions): Promise<GenerationResult> {
    const url = backgroundJobUrl(baseUrl, jobId);
    const what = `background job ${jobId} poll`;
    const fetchSnapshot = async (signal: AbortSignal) => {
      const body = await callPixelLab(http, { method: "GET", url, signal, what });
      const decoded = decodeBackgroundJob(body);
      if (!decoded.ok) throw malformedResponse(what, decoded.problem, options.apiKey);
      return decoded.value;
    };
    const { signal, expected, onProgress } = wait;
    return pollBackgroundJob({ ...polling, jobId, fetchSnapshot, signal, expected, onProgress });
  }

  async function generate(
    request: NormalisedRequest,
    generateOptions: GenerateOptions,
  ): Promise<GenerationResult> {
    const { signal, onBackgroundJob, onProgress } = generateOptions;
    const outcome = await start(request, { signal });
    if (outcome.kind === "completed") return outcome.result;
    await onBackgroundJob?.(outcome.jobId);
    const expected = expectedOutput(request);
    return waitForBackgroundJob(outcome.jobId, { signal, expected, ...(onProgress ? { onProgress } : {}) });
  }

  async function balance({ signal }: CallOptions): Promise<Balance> {
    const what = "balance call";
    const body = await callPixelLab(http, { method: "GET", url: balanceUrl(baseUrl), signal, what });
    const decoded = decodeBalance(body);
    if (!decoded.ok) throw malformedResponse(what, decoded.problem, options.apiKey);
    return decoded.value;
  }

  return { start, waitForBackgroundJob, generate, balance };
}
