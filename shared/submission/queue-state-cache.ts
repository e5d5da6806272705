import type { Logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { QueueRunState, TaskScheduler } from "../ports/task-scheduler.ts";

/**
 * How long one instance reuses the queue's state for `waiting` answers, in ms: a paused queue shows
 * within this, and pollers of queued jobs cost one GetQueue per instance per interval instead of one
 * per request (Cloud Tasks' admin calls have a per-minute quota). @defaultValue 10_000
 */
export const QUEUE_STATE_TTL_MS = 10_000;

/**
 * The queue's state, read through `tasks.probe()` at most once per `ttlMs` (simultaneous readers
 * share one call). A failed read answers "running" and is retried on the next call: telling a user
 * the queue is paused needs a positive answer, and a job's read must not fail for it.
 */
export function queueStateCache(
  tasks: Pick<TaskScheduler, "probe">,
  clock: Clock,
  logger: Logger,
  ttlMs = QUEUE_STATE_TTL_MS,
): () => Promise<QueueRunState> {
  let cached: { at: number; state: Promise<QueueRunState> } | undefined;
  return () => {
    const now = clock.now();
    if (cached !== undefined && now - cached.at < ttlMs) return cached.state;
    const entry = {
      at: now,
      state: tasks.probe().catch((error: unknown) => {
        logger.warn({ err: error }, "queue state unknown; the waiting reason assumes it runs");
        if (cached === entry) cached = undefined;
        return "running" as const;
      }),
    };
    cached = entry;
    return entry.state;
  };
}
