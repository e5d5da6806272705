import type { Deps } from "../deps.ts";
import { decideContext } from "../lifecycle/apply-change.ts";
import { decide } from "../lifecycle/decide.ts";
import type { JobChange } from "../lifecycle/job-change.ts";
import type { Job } from "../store/job-document.ts";
import type { ApplyOutcome, VersionedJob } from "../store/job-store.ts";
import type { AttemptSignal } from "./attempt-signal.ts";

/**
 * How long an attempt goes without seeing its job before it reads it once, in ms: the longest a
 * user's cancel (or another handler taking the lease over) goes unnoticed while PixelLab is busy and
 * no progress is written. Each look is one read; every write this attempt makes also counts as a
 * look, since it only succeeds on the version the attempt last saw. @defaultValue 2_000
 */
export const CANCEL_CHECK_MS = 2_000;

/**
 * The job as the attempt holding its lease last wrote or read it, and the only way the attempt
 * writes it. Each write is a compare-and-set on that version (no read first); when anything else
 * wrote the job meanwhile (a cancel request, a sweeper, another handler) the write is decided again
 * on what is stored, and what it finds stops the attempt. Between writes, a read every
 * {@link CANCEL_CHECK_MS} does the same, so cancellation needs no listener that would be billed a
 * read for each of the attempt's own progress writes. Writes and reads run one at a time.
 */
export interface HeldJob {
  /** The job as last seen. */
  current(): Job;
  /** When (ms) the attempt last wrote the job; Firestore sustains about one write per second per document. */
  lastWriteAt(): number;
  /** Applies `change` on the last version seen (see `JobStore.apply`). */
  apply(change: JobChange): Promise<ApplyOutcome>;
  /** Stops the periodic look. */
  close(): void;
}

export function holdJob(
  deps: Deps,
  claimed: VersionedJob,
  leaseId: string,
  attempt: AttemptSignal,
  checkEveryMs = CANCEL_CHECK_MS,
): HeldJob {
  let seen: VersionedJob = claimed;
  let seenAt = deps.clock.now();
  let wroteAt = seenAt;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  // What the attempt learns from the stored job: someone else holds it, or its user wants it stopped.
  const observe = (job: Job) => {
    if (job.status !== "processing" || job.leaseId !== leaseId) attempt.stop("lease-lost");
    else if (job.cancelRequested) attempt.stop("cancel-requested");
  };

  const look = () =>
    serial(async () => {
      if (deps.clock.now() - seenAt < checkEveryMs) return;
      const found = await deps.store.getJob(seen.job.id);
      seenAt = deps.clock.now();
      if (found === undefined) return attempt.stop("lease-lost");
      seen = found;
      observe(found.job);
    }).catch((error: unknown) => deps.logger.warn({ err: error }, "job not read; looking again later"));
  const timer = setInterval(() => void look(), checkEveryMs);
  timer.unref();

  return {
    current: () => seen.job,
    lastWriteAt: () => wroteAt,
    apply(change) {
      return serial(async () => {
        const now = deps.clock.now();
        const ctx = decideContext(deps, now);
        const outcome = await deps.store.apply(seen.job.id, (job) => decide(job, change, ctx), seen);
        seenAt = deps.clock.now();
        if (outcome.ok) {
          seen = { job: outcome.decision.job, version: outcome.version };
          wroteAt = now;
          // Decided on a fresh read if the job changed meanwhile: a cancel request shows here.
          if (seen.job.status === "processing") observe(seen.job);
        } else if (outcome.job !== undefined && outcome.version !== undefined) {
          seen = { job: outcome.job, version: outcome.version };
          observe(outcome.job);
        } else if (outcome.reason === "missing") {
          attempt.stop("lease-lost");
        }
        return outcome;
      });
    },
    close: () => clearInterval(timer),
  };
}
