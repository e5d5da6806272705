import type { ProcessDeps } from "../deps.ts";
import { JobError } from "../errors.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import { validateOperationRequest } from "../operations/operations.ts";
import { expectedOutput } from "../pixellab/expected-output.ts";
import type { GenerationResult } from "../pixellab/response-decoding.ts";
import { generatingPercent } from "../progress.ts";
import { estimatedBytes, MAX_DOCUMENT_BYTES, type Job, type JobResult } from "../store/job-document.ts";
import type { AttemptSignal } from "./attempt-signal.ts";
import type { ProgressReporter } from "./progress-reporter.ts";

/** Tries at recording PixelLab's job id before the attempt goes on without it. @defaultValue 3 */
const RECORD_TRIES = 3;

/**
 * The attempt's result, paying PixelLab at most once per job: a result this job already paid for
 * (stored durably under its cache key before an earlier attempt could record it on the job), or one
 * generated for the same request since this job was submitted, is used as it is. Otherwise PixelLab
 * runs, and its result is stored under the cache key *before* the job's completion, so a failed
 * completion or a dead instance costs a redelivery, not a second generation.
 */
export async function obtainResult(
  deps: ProcessDeps,
  job: Job,
  leaseId: string,
  attempt: AttemptSignal,
  reporter: ProgressReporter,
): Promise<JobResult> {
  const stored = await deps.cache.entry(job.cacheKey, deps.clock.now());
  if (stored !== undefined && (stored.jobId === job.id || stored.createdAt >= job.createdAt)) {
    deps.logger.info(
      { jobId: job.id, producedBy: stored.jobId },
      "result already stored; PixelLab not called",
    );
    return fitting(job, stored.result);
  }
  const result = fitting(job, toStoredResult(await runGeneration(deps, job, leaseId, attempt, reporter)));
  await deps.cache.put(job.cacheKey, result, job.id, deps.clock.now()).catch((error: unknown) => {
    // The completion still stores it on the job; only the crash window stays open this once.
    deps.logger.warn({ err: error, jobId: job.id }, "result not stored before completion");
  });
  return result;
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
  job: Job,
  leaseId: string,
  attempt: AttemptSignal,
  reporter: ProgressReporter,
): Promise<GenerationResult> {
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
  await recordPixelLabJob(deps, job.id, leaseId, started.jobId);
  return deps.pixellab.waitForBackgroundJob(started.jobId, { signal, expected, onProgress });
}

/**
 * Stores PixelLab's job id on the job while this attempt holds the lease (1 read, 1 write). If it
 * cannot be stored, the attempt still waits for that PixelLab job: abandoning it would only make the
 * next attempt pay for another one, and the result is stored durably when it arrives.
 */
async function recordPixelLabJob(deps: ProcessDeps, jobId: string, leaseId: string, pixellabJobId: string) {
  for (let tries = 1; tries <= RECORD_TRIES; tries++) {
    try {
      const applied = await applyChange(deps, jobId, {
        type: "pixellab-job-started",
        leaseId,
        pixellabJobId,
      });
      if (!applied.ok)
        deps.logger.warn({ jobId, pixellabJobId }, "lease lost before PixelLab's job id was recorded");
      return;
    } catch (error) {
      deps.logger.warn({ err: error, jobId, pixellabJobId, tries }, "PixelLab's job id not recorded yet");
    }
  }
}
