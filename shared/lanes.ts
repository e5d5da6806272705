/**
 * Priority lanes. Cloud Tasks has no priorities, so each lane is its own queue with its own rate
 * and concurrency (`TASKS_QUEUE` and `TASKS_BATCH_QUEUE`). Interactive jobs (someone is watching)
 * are the default; batch jobs (asset pipelines, overnight runs) use what interactive ones leave.
 */
export const LANES = ["interactive", "batch"] as const;
export type Lane = (typeof LANES)[number];

/**
 * Whether a batch attempt may start now. The interactive lane may run `concurrency` attempts at
 * once and the batch lane `batchConcurrency`; PixelLab's account runs them all. A batch attempt
 * starts only while the interactive lane's active jobs (queued and running) leave the batch lane's
 * share free: `interactiveActive + batchConcurrency <= concurrency`. So batch attempts never take
 * capacity interactive jobs are waiting for. An attempt already running is not stopped: an
 * interactive job arriving meanwhile waits at most for batch attempts that were already running.
 */
export function batchMayStart(
  interactiveActive: number,
  concurrency: number,
  batchConcurrency: number,
): boolean {
  return interactiveActive + batchConcurrency <= concurrency;
}

/**
 * Jobs ahead of one in its lane, for its position and wait estimate: an interactive job waits only
 * for interactive jobs admitted before it; a batch job also waits for every active interactive job.
 */
export function jobsAhead(lane: Lane, laneBefore: number, interactiveActive: number): number {
  return lane === "interactive" ? laneBefore : laneBefore + interactiveActive;
}
