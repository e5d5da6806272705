import type { Logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { Lane } from "../lanes.ts";
import type { QueueRunState, TaskScheduler } from "../ports/task-scheduler.ts";

/**
 * How long one instance reuses the queue's state for `waiting` answers, in ms: a paused queue shows
 * within this, and pollers of queued jobs cost one GetQueue per instance per interval instead of one
 * per request (Cloud Tasks' admin calls have a per-minute quota). @defaultValue 10_000
 */
export const QUEUE_STATE_TTL_MS = 10_000;

/**
 * A lane's queue state, read through `tasks.probe(lane)` at most once per `ttlMs` per lane (simultaneous readers
 * share one call). A failed read answers "running" and is retried on the next call: telling a user
 * the queue is paused needs a positive answer, and a job's read must not fail for it.
 */
export function queueStateCache(
  tasks: Pick<TaskScheduler, "probe">,
  clock: Clock,
  logger: Logger,
  ttlMs = QUEUE_STATE_TTL_MS,
): (lane?: Lane) => Promise<QueueRunState> {
  const cached = new Map<Lane, { at: number; state: Promise<QueueRunState> }>();
  return (lane = "interactive") => {
    const now = clock.now();
    const hit = cached.get(lane);
    if (hit !== undefined && now - hit.at < ttlMs) return hit.state;
    const entry = {
      at: now,
      state: tasks.probe(lane).catch((error: unknown) => {
        logger.warn({ err: error, lane }, "queue state unknown; the waiting reason assumes it runs");
        if (cached.get(lane) === entry) cached.delete(lane);
        return "running" as const;
      }),
    };
    cached.set(lane, entry);
    return entry.state;
  };
}
