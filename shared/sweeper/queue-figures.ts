import type { Deps } from "../deps.ts";
import { resetQueueThresholds } from "../submission/queue-threshold.ts";
import { activeJobsOf, readQueueGauges, recordQueueGauges } from "../telemetry/queue-gauges.ts";
import type { Tally } from "./tally.ts";

/**
 * The sweep's last pass, once per run: reads the queue-wide gauges from the store (after the other
 * passes' fixes) and records them through `deps.metrics` (to Cloud Monitoring; see
 * `telemetry/instance-metrics.ts`), then forgets the threshold crossings the depth fell below, so
 * the next rise past a level counts again. A failed read fails this pass only.
 * Operations: those of `readQueueGauges`, plus one delete per level the queue is below.
 */
export async function recordQueueFigures(deps: Deps, now: number): Promise<Tally<"recorded">> {
  const gauges = await readQueueGauges(deps, now);
  recordQueueGauges(deps.metrics, gauges);
  await resetQueueThresholds(deps, activeJobsOf(gauges));
  return { recorded: 1 };
}
