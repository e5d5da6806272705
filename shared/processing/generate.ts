import type { Firestore } from "@google-cloud/firestore";
import { JobError } from "../errors.ts";
import { validateOperationRequest } from "../operations/operations.ts";
import { expectedOutput } from "../pixellab/expected-output.ts";
import type { GenerationResult } from "../pixellab/response-decoding.ts";
import { generatingPercent } from "../progress.ts";
import { COLLECTIONS } from "../store/collections.ts";
import type { Job } from "../store/job-document.ts";
import type { AttemptSignal } from "./attempt-signal.ts";
import type { ProcessDeps } from "./process-deps.ts";
import type { ProgressReporter } from "./progress-reporter.ts";

/**
 * Runs the PixelLab call for a claimed job. A synchronous endpoint answers with the result; a
 * background job's id is stored on the job *before* waiting, so that if this attempt dies, the next
 * one resumes polling the same PixelLab job instead of paying for a second generation.
 */
export async function runGeneration(
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
  await recordPixelLabJob(deps.firestore, job.id, leaseId, started.jobId);
  return deps.pixellab.waitForBackgroundJob(started.jobId, { signal, expected, onProgress });
}

/** Stores PixelLab's job id on `jobs/{id}` if this attempt still holds the lease (1 read, 1 write). */
async function recordPixelLabJob(
  firestore: Firestore,
  jobId: string,
  leaseId: string,
  pixellabJobId: string,
) {
  const ref = firestore.collection(COLLECTIONS.jobs).doc(jobId);
  await firestore.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("leaseId") !== leaseId) {
      throw new Error(`lease on ${jobId} lost before PixelLab job ${pixellabJobId} was recorded`);
    }
    tx.update(ref, { pixellabJobId });
  });
}
