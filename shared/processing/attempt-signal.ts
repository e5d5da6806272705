import type { Firestore } from "@google-cloud/firestore";
import { COLLECTIONS } from "../store/collections.ts";

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
 * (seen through a Firestore listener on `jobs/{id}`, so cancelling needs no polling), another
 * handler taking the lease over, and Cloud Tasks giving up on this delivery. The PixelLab client
 * closes its socket when it fires.
 */
export function watchAttempt(
  firestore: Firestore,
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
  const unsubscribe = firestore
    .collection(COLLECTIONS.jobs)
    .doc(jobId)
    .onSnapshot(
      (snap) => {
        if (!snap.exists || snap.get("leaseId") !== leaseId) stop("lease-lost");
        else if (snap.get("cancelRequested") === true) stop("cancel-requested");
      },
      () => undefined, // a broken listener only loses early notice; the final writes check again
    );
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
