import type { Job } from "./job-document.ts";
import type { JobStore, ThresholdLevel } from "./job-store.ts";

type QueueFigures = Pick<JobStore, "queueCounts" | "markThresholdCrossed" | "clearThresholdCrossed">;

/**
 * The queue-wide figures of the in-memory store, over its maps (read at each call): the same
 * answers as `firestore-queue-figures.ts`, by scanning instead of counting.
 */
export function memoryQueueFigures(
  jobs: () => Job[],
  slots: () => Iterable<{ userId: string }>,
  deadLetters: ReadonlyMap<string, unknown>,
): QueueFigures {
  const crossed = new Set<ThresholdLevel>();
  return {
    async queueCounts(now, slotLimit) {
      const all = jobs();
      const queued = all.filter((j) => j.status === "queued");
      const waiting = queued.filter((j) => j.attempts === 0).map((j) => j.createdAt);
      const users = new Set([...slots()].slice(0, slotLimit).map((s) => s.userId));
      return {
        queued: queued.length,
        retryWait: queued.filter((j) => j.nextAttemptAt !== null && j.nextAttemptAt > now).length,
        processing: all.filter((j) => j.status === "processing").length,
        oldestWaitingSince: waiting.length === 0 ? null : Math.min(...waiting),
        deadLetters: deadLetters.size,
        activeUsers: users.size,
      };
    },
    async markThresholdCrossed(level) {
      if (crossed.has(level)) return false;
      crossed.add(level);
      return true;
    },
    async clearThresholdCrossed(level) {
      crossed.delete(level);
    },
  };
}
