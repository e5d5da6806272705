import type { ProcessDeps } from "../deps.ts";
import { JobError } from "../errors.ts";
import { attemptBudgetMs } from "../deadlines.ts";
import { validateOperationRequest } from "../operations/operations.ts";
import { expectedOutput } from "../pixellab/expected-output.ts";
import type { GenerationResult } from "../pixellab/response-decoding.ts";
import { generatingPercent } from "../progress.ts";
import { estimatedBytes, MAX_DOCUMENT_BYTES, type Job, type JobResult } from "../store/job-document.ts";
import { recordUsage } from "../telemetry/usage-metrics.ts";
import type { AttemptSignal } from "./attempt-signal.ts";
import type { EarlyFlight } from "./early-flight.ts";
import type { HeldJob } from "./held-job.ts";
import type { ProgressReporter } from "./progress-reporter.ts";

/** Tries at recording PixelLab's job id before the attempt goes on without it. @defaultValue 3 */
const RECORD_TRIES = 3;

/** What an attempt obtained: the result, and whether another job's generation paid for it. */
export interface Obtained {
  result: JobResult;
  shared: boolean;
  /** Time spent waiting on PixelLab's answers (or on another job's generation), in ms. */
  pixellabMs: number;
  /**
   * The leader's write of the result under its cache key, still in flight: the completion goes out
   * beside it, not after it (see {@link obtainResult}); never rejects.
   */
  stored: Promise<void>;
}

/**
 * The attempt's result, paying PixelLab at most once per result (single-flight on the cache key,
 * rules in `flight-rules.ts`): a result this job already paid for (stored before an earlier attempt
 * could record it), or one produced for the same request since this job was submitted, is used as
 * it is; a generation of the same request in flight for another job is waited for; otherwise this
 * job leads. A leader's result is stored under the cache key while the job's completion is written:
 * whichever of the two lands, a redelivery pays nothing again (a failed completion finds the stored
 * result; a completed job needs none), and neither waits for the other, which saves the handler a
 * round trip. A result that could not be stored ends the flight, so waiting jobs lead rather than
 * wait for a result that will not come. A leader that
 * fails ends its flight and the next waiting job leads with its own attempt: followers never
 * inherit another user's error, they retry on their own.
 *
 * Operations when nobody else generates the request: 1 write (the flight, usually already made
 * beside the claim: `early`), then 1 (the result).
 */
export async function obtainResult(
  deps: ProcessDeps,
  held: HeldJob,
  leaseId: string,
  attempt: AttemptSignal,
  reporter: ProgressReporter,
  early?: EarlyFlight,
): Promise<Obtained> {
  const job = held.current();
  const started = deps.clock.now();
  // The flight the claim started beside its commit answers the first round, if it could be started.
  let first = early;
  for (;;) {
    const now = deps.clock.now();
    const until = job.leaseExpiresAt ?? now + attemptBudgetMs(job.timeoutMs);
    const request = { jobId: job.id, until, now, acceptFrom: job.createdAt };
    const flight = (await first) ?? (await deps.store.startFlight(job.cacheKey, request));
    first = undefined;
    if (flight.kind === "lead") break;
    if (flight.kind === "stored") {
      const shared = flight.entry.jobId !== job.id;
      deps.logger.info({ producedBy: flight.entry.jobId }, "result already stored; PixelLab not called");
      const result = fitting(job, flight.entry.result);
      return { result, shared, pixellabMs: deps.clock.now() - started, stored: Promise.resolve() };
    }
    deps.logger.info({ leader: flight.jobId }, "the same request is being generated; waiting for it");
    await deps.store.awaitFlight(job.cacheKey, flight.jobId, flight.until - now, attempt.signal);
    attempt.signal.throwIfAborted();
  }
  const called = deps.clock.now();
  let result: JobResult;
  try {
    const generated = await runGeneration(deps, held, leaseId, attempt, reporter);
    recordUsage(deps.metrics, job.operation, generated.usage); // paid, even if it turns out too large
    result = fitting(job, toStoredResult(generated));
  } catch (error) {
    void deps.store.endFlight(job.cacheKey, job.id).catch((failure: unknown) => {
      // Waiting jobs then lead once this flight's lease lapses instead of at once.
      deps.logger.warn({ err: failure }, "flight not ended");
    });
    throw error;
  }
  const pixellabMs = deps.clock.now() - called;
  reporter.stage("storing");
  const stored = deps.cache.put(job.cacheKey, result, job.id, deps.clock.now()).catch((error: unknown) => {
    // The completion still stores it on the job; only the crash window stays open this once.
    deps.logger.warn({ err: error }, "result not stored under its cache key");
    void deps.store.endFlight(job.cacheKey, job.id).catch(() => undefined);
  });
  return { result, shared: false, pixellabMs, stored };
}

/** A result too large for a Firestore document fails the job clearly rather than being truncated. */
function fitting(job: Job, result: JobResult): JobResult {
  const size = estimatedBytes(result) + estimatedBytes(job.input);
  if (size <= MAX_DOCUMENT_BYTES) return result;
  const message = `the result (${size} bytes with the input) exceeds Firestore's 1 MiB document limit`;
  throw new JobError({ type: "validation", message });
}

function toStoredResult(result: GenerationResult): JobResult {
  return {
    images: result.images.map((i) => ({ base64: i.base64, width: i.width, height: i.height, format: "png" })),
    usage: result.usage === null ? null : { ...result.usage },
  };
}

/**
 * Runs the PixelLab call. A synchronous endpoint answers with the result; a background job's id is
 * stored on the job before waiting, so that if this attempt dies the next one resumes polling the
 * same PixelLab job instead of paying for a second generation.
 */
async function runGeneration(
  deps: ProcessDeps,
  held: HeldJob,
  leaseId: string,
  attempt: AttemptSignal,
  reporter: ProgressReporter,
): Promise<GenerationResult> {
  const job = held.current();
  // The stored input was validated at submission; decoding it again guards against edited documents.
  const request = validateOperationRequest(job.operation, job.input);
  if (!request.ok) {
    throw new JobError({ type: "validation", message: "stored input is invalid", details: request.errors });
  }
  const expected = expectedOutput(request.value);
  const { signal } = attempt;
  const onProgress = (p: { elapsedMs: number }) =>
    reporter.percent(generatingPercent(p.elapsedMs, deps.config.expectedJobMs));
  if (job.pixellabJobId !== null) {
    return deps.pixellab.waitForBackgroundJob(job.pixellabJobId, { signal, expected, onProgress });
  }
  const started = await deps.pixellab.start(request.value, { signal });
  if (started.kind === "completed") return started.result;
  await recordPixelLabJob(deps, held, leaseId, started.jobId);
  return deps.pixellab.waitForBackgroundJob(started.jobId, { signal, expected, onProgress });
}

/**
 * Stores PixelLab's job id on the job while this attempt holds the lease (1 write). If it cannot be
 * stored, the attempt still waits for that PixelLab job: abandoning it would only make the next
 * attempt pay for another one, and the result is stored durably when it arrives.
 */
async function recordPixelLabJob(deps: ProcessDeps, held: HeldJob, leaseId: string, pixellabJobId: string) {
  const jobId = held.current().id;
  for (let tries = 1; tries <= RECORD_TRIES; tries++) {
    try {
      const applied = await held.apply({ type: "pixellab-job-started", leaseId, pixellabJobId });
      if (!applied.ok)
        deps.logger.warn({ jobId, pixellabJobId }, "lease lost before PixelLab's job id was recorded");
      return;
    } catch (error) {
      deps.logger.warn({ err: error, jobId, pixellabJobId, tries }, "PixelLab's job id not recorded yet");
    }
  }
}
