import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import type { ThresholdLevel } from "../store/job-store.ts";

/**
 * How far below a level the depth must fall before crossing it again counts, as a share of the
 * level: a queue hovering around 400 is one crossing, not one per admission. @defaultValue 0.9
 */
export const THRESHOLD_RESET_RATIO = 0.9;

/** The levels: a warning at `QUEUE_WARNING_THRESHOLD`, critical at `QUEUE_CAPACITY` (active jobs). */
export function thresholdLevels(config: Config): { level: ThresholdLevel; threshold: number }[] {
  return [
    { level: "warning", threshold: config.limits.queueWarningThreshold },
    { level: "critical", threshold: config.limits.queueCapacity },
  ];
}

/**
 * Notes the queue depth an admission saw: `activeJobs` counted after its job was written (that job
 * included), or the capacity for one refused because the queue is full. For each level the depth
 * is at or above, the admission that records the crossing first in the store (an atomic create, on
 * whichever instance it runs) logs a warning, publishes a `queue.threshold` event with the level and
 * counts it; every later one finds the crossing recorded and does nothing, until the sweeper sees the
 * depth below the level again ({@link resetQueueThresholds}). Comparing with `>=` rather than `===`
 * means a burst that jumps over a level (simultaneous admissions all counting past it) still crosses.
 * Store trouble is logged and never fails the submission: the signal is advisory.
 *
 * Operations: none below the warning level; above it one `create()` per level reached (a write when
 * it crosses; one that finds the crossing recorded is not billed).
 */
export async function noteQueueDepth(deps: Deps, activeJobs: number): Promise<void> {
  const { config } = deps;
  for (const { level, threshold } of thresholdLevels(config)) {
    if (activeJobs < threshold) continue;
    const now = deps.clock.now();
    const first = await deps.store.markThresholdCrossed(level, activeJobs, now).catch((error: unknown) => {
      deps.logger.warn({ err: error, level }, "queue threshold crossing not recorded");
      return false;
    });
    if (!first) continue;
    deps.metrics.add("thresholdCrossings", { level });
    const data = { level, activeJobs, threshold, capacity: config.limits.queueCapacity };
    deps.logger.warn(data, `queue depth reached the ${level} threshold`);
    void deps.events.publish({ type: "queue.threshold", at: now, data });
  }
}

/**
 * From the sweeper (once per run), with the depth it counted: forgets the crossing of every level
 * the depth is now below {@link THRESHOLD_RESET_RATIO} of, so the next rise counts again.
 * Operations: one delete per such level.
 */
export async function resetQueueThresholds(deps: Deps, activeJobs: number): Promise<void> {
  for (const { level, threshold } of thresholdLevels(deps.config)) {
    if (activeJobs < threshold * THRESHOLD_RESET_RATIO) await deps.store.clearThresholdCrossed(level);
  }
}
