import type { ChaosStack } from "./chaos-stack.ts";
import type { FaultEvent } from "./faults.ts";
import { between, chance, derivedRandom, pick, sleep } from "./random.ts";

export interface DuplicateDeliveries {
  /** Stops forcing; resolves when the call under way is done. */
  stop(): Promise<void>;
}

const CALL_OPTIONS = { timeout: 3_000, maxRetries: 0, autoPaginate: false };

/**
 * Forces duplicate deliveries with RunTask, which dispatches a task at once even while an attempt
 * of it is in flight: every so often it lists the queue and runs one task again, a running one when
 * there is one half of the time. Each RunTask that the emulator accepted is one fault in `events`.
 */
export function startDuplicateDeliveries(
  stack: ChaosStack,
  target: number,
  everyMs: readonly [number, number],
  seed: number,
  events: FaultEvent[],
): DuplicateDeliveries {
  const random = derivedRandom(seed, "duplicates");
  let stopped = false;
  let forced = 0;
  const loop = (async () => {
    while (!stopped && forced < target) {
      await sleep(between(random, everyMs[0], everyMs[1]));
      try {
        const [tasks] = await stack.tasks.listTasks({ parent: stack.queueName, pageSize: 500 }, CALL_OPTIONS);
        const running = tasks.filter((t) => Number(t.dispatchCount ?? 0) > Number(t.responseCount ?? 0));
        const pool = running.length > 0 && chance(random, 0.5) ? running : tasks;
        if (pool.length === 0 || stopped) continue;
        const task = pick(random, pool);
        const wasRunning = running.includes(task);
        await stack.tasks.runTask({ name: task.name }, CALL_OPTIONS);
        forced += 1;
        const at = Date.now();
        const name = task.name?.split("/").at(-1) ?? "?";
        events.push({
          kind: "duplicate delivery",
          startedAt: at,
          endedAt: at,
          struckAt: at,
          detail: `${name}${wasRunning ? " (while running)" : ""}`,
        });
      } catch {
        // The task ended meanwhile (NOT_FOUND), or the emulator is being restarted: try another later.
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
