import type { JobStore } from "../store/job-store.ts";

/** Why an attempt stopped before PixelLab answered. */
export type StopReason = "cancel-requested" | "lease-lost" | "timeout" | "delivery-abandoned";

export interface AttemptSignal {
  signal: AbortSignal;
  /** Why it fired, once it has. */
  reason(): StopReason | undefined;
  stop(reason: StopReason): void;
  /** Ends the watch (removes the listener and timer). */
  close(): void;
}

/**
 * One AbortSignal for everything that must end an attempt: the job's time budget, a user's cancel
 * (seen through the store's listener on the job, so cancelling needs no polling), another
 * handler taking the lease over, and Cloud Tasks giving up on this delivery. The PixelLab client
 * closes its socket when it fires.
 */
export function watchAttempt(
  store: JobStore,
  jobId: string,
  leaseId: string,
  budgetMs: number,
): AttemptSignal {
  const controller = new AbortController();
  let why: StopReason | undefined;
  const stop = (reason: StopReason) => {
    if (why !== undefined) return;
    why = reason;
    controller.abort(new Error(`attempt stopped: ${reason}`));
  };
  const timer = setTimeout(() => stop("timeout"), budgetMs);
  const unsubscribe = store.watchJob(jobId, (job) => {
    if (job === undefined || job.leaseId !== leaseId) stop("lease-lost");
    else if (job.cancelRequested) stop("cancel-requested");
  });
  return {
    signal: controller.signal,
    reason: () => why,
    stop,
    close() {
      clearTimeout(timer);
      unsubscribe();
    },
  };
}
