import type { DispatchLoop } from "./dispatch-loop.ts";
import type { EmulatorState, QueueRecord } from "./emulator-state.ts";

/** A queue is idle when it holds no task (due, scheduled or retrying) and no attempt is in flight. */
export const isIdle = (queue: QueueRecord): boolean => queue.tasks.size === 0 && queue.inFlight === 0;

/**
 * Resolves once `queueName` (or every queue, when omitted) is idle, re-checking after every change the
 * dispatch loop reports; rejects after `timeoutMs` ms, or at once for an unknown queue name.
 */
export function waitForIdle(
  state: EmulatorState,
  loop: DispatchLoop,
  queueName: string | undefined,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const idleNow = (): boolean => {
      if (queueName === undefined) return [...state.queues.values()].every(isIdle);
      const queue = state.queues.get(queueName);
      if (queue === undefined) throw new Error(`waitUntilIdle: no queue ${queueName}`);
      return isIdle(queue);
    };
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    const check = (): void => {
      try {
        if (idleNow()) finish();
      } catch (error) {
        finish(error as Error);
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`waitUntilIdle: ${queueName ?? "queues"} not idle within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const unsubscribe = loop.onChange(check);
    check();
  });
}
