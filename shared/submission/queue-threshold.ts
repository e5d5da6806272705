import type { Deps } from "../deps.ts";

/**
 * Warns once when an admission takes the queue depth up to the warning level: a log line at WARNING
 * and a `queue.threshold` event. Depth comes from the count read before admission, so under heavy
 * concurrency two admissions may both see the crossing (or none may): the signal is advisory.
 */
export async function noteQueueDepth(deps: Deps, depthAfter: number): Promise<void> {
  const threshold = deps.config.limits.queueWarningThreshold;
  if (depthAfter !== threshold) return;
  deps.logger.warn(
    { activeJobs: depthAfter, threshold, capacity: deps.config.limits.queueCapacity },
    "queue depth reached the warning threshold",
  );
  void deps.events.publish({
    type: "queue.threshold",
    at: deps.clock.now(),
    data: { activeJobs: depthAfter, threshold, capacity: deps.config.limits.queueCapacity },
  });
}
