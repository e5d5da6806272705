/**
 * How one attempt's time limit maps onto Cloud Tasks' dispatch deadline and the job's lease. The
 * handler must give up on PixelLab before Cloud Tasks gives up on the handler (Cloud Tasks does not
 * stop a handler whose dispatch deadline passed; it just delivers again), and the lease must outlive
 * the dispatch so a slow but healthy attempt is never taken over.
 */

/** Cloud Tasks' limits for HTTP targets, in ms: 15 s to 30 min. */
export const DISPATCH_DEADLINE_MIN_MS = 15_000;
export const DISPATCH_DEADLINE_MAX_MS = 1_800_000;
/** Time the handler keeps after aborting PixelLab to store the outcome, in ms. @defaultValue 30_000 */
export const HANDLER_MARGIN_MS = 30_000;
/** Extra lease beyond the dispatch deadline, in ms. @defaultValue 60_000 */
export const LEASE_MARGIN_MS = 60_000;

/** The task's dispatch deadline for a job whose attempt may run `timeoutMs`. */
export function dispatchDeadlineMs(timeoutMs: number): number {
  return Math.min(
    DISPATCH_DEADLINE_MAX_MS,
    Math.max(DISPATCH_DEADLINE_MIN_MS, timeoutMs + HANDLER_MARGIN_MS),
  );
}

/** How long the handler lets PixelLab run: the job's timeout, less when the deadline caps it. */
export function attemptBudgetMs(timeoutMs: number): number {
  return Math.min(timeoutMs, dispatchDeadlineMs(timeoutMs) - HANDLER_MARGIN_MS);
}

/** How long a claim holds the job. */
export function leaseMs(timeoutMs: number): number {
  return dispatchDeadlineMs(timeoutMs) + LEASE_MARGIN_MS;
}
