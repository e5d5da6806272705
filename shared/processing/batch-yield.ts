import type { ProcessDeps } from "../deps.ts";
import { batchMayStart } from "../lanes.ts";
import type { ProcessOutcome } from "./settle.ts";
import type { TaskPayload } from "./task-payload.ts";

/**
 * Seconds a yielded batch delivery asks Cloud Tasks to wait before delivering it again (its
 * `Retry-After`; Cloud Tasks backs off further on repeated 503s, up to the batch queue's
 * `max_backoff`). @defaultValue 2
 */
export const BATCH_YIELD_SECONDS = 2;

/**
 * A batch delivery that must wait for interactive jobs (`batchMayStart`): nothing is claimed or
 * written, the handler answers 503 with Retry-After, and Cloud Tasks delivers the same task again
 * (the batch queue retries without limit). Undefined when the delivery may go on: any interactive
 * delivery, and a batch one while interactive jobs leave the batch lane's share free.
 *
 * Operations: 1 aggregation read per batch delivery (the active jobs by lane); none otherwise.
 */
export async function batchYield(
  deps: ProcessDeps,
  payload: TaskPayload,
): Promise<ProcessOutcome | undefined> {
  if (payload.lane !== "batch") return undefined;
  const interactive = await deps.store.countLaneSlots("interactive");
  const { queueConcurrency, batchConcurrency } = deps.config;
  if (batchMayStart(interactive, queueConcurrency, batchConcurrency)) return undefined;
  deps.metrics.add("attempts", { operation: "", outcome: "deferred" });
  deps.logger.info({ interactiveActive: interactive }, "batch delivery yields to interactive jobs");
  return { kind: "deferred", jobId: payload.jobId, retryAfterSeconds: BATCH_YIELD_SECONDS };
}
