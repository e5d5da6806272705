/** Why an attempt stopped before PixelLab answered. */
export type StopReason = "cancel-requested" | "lease-lost" | "timeout" | "delivery-abandoned";

export interface AttemptSignal {
  signal: AbortSignal;
  /** Why it fired, once it has. */
  reason(): StopReason | undefined;
  stop(reason: StopReason): void;
  /** Ends the watch (clears the budget's timer). */
  close(): void;
}

/**
 * One AbortSignal for everything that must end an attempt: the job's time budget, a user's cancel
 * and another handler taking the lease over (both seen by the attempt's own reads and writes of its
 * job, see `held-job.ts`), and Cloud Tasks giving up on this delivery. The PixelLab client closes its
 * socket when it fires; a job waiting on another's generation stops waiting.
 */
export function watchAttempt(budgetMs: number): AttemptSignal {
  const controller = new AbortController();
  let why: StopReason | undefined;
  const stop = (reason: StopReason) => {
    if (why !== undefined) return;
    why = reason;
    controller.abort(new Error(`attempt stopped: ${reason}`));
  };
  const timer = setTimeout(() => stop("timeout"), budgetMs);
  return {
    signal: controller.signal,
    reason: () => why,
    stop,
    close: () => clearTimeout(timer),
  };
}
