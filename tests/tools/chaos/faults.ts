import type { ChaosStack } from "./chaos-stack.ts";
import type { FaultCounts } from "./options.ts";
import { between, derivedRandom, sleep, type Random } from "./random.ts";

/** The faults the injector knows, as they are counted in the report. */
export const FAULT_KINDS = [
  "processJob SIGKILL",
  "redis restart",
  "pubsub pause",
  "cloud tasks restart",
  "duplicate delivery",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault as it happened, for the report and for explaining a violation by time. */
export interface FaultEvent {
  kind: FaultKind;
  /** Epoch ms when it started and when the part was back (equal for a duplicate delivery). */
  startedAt: number;
  endedAt: number;
  /** Epoch ms of the strike itself (a kill waits for work in flight first). */
  struckAt: number;
  detail: string;
}

export interface FaultInjector {
  /** Resolves once every planned process fault has been injected and undone. */
  finished: Promise<void>;
  /** Injects no further process fault; resolves once the one under way is undone. */
  stop(): Promise<void>;
  events: FaultEvent[];
}

type ProcessFault = Exclude<FaultKind, "duplicate delivery">;

/**
 * Injects the planned process faults one at a time, in an order and with pauses drawn from the seed:
 * each breaks one part (a kill, a stop, a freeze), waits a moment, and puts it back, so that when
 * `finished` resolves every part runs again.
 */
export function startFaults(
  stack: ChaosStack,
  counts: FaultCounts,
  gapMs: readonly [number, number],
  seed: number,
  log: (line: string) => void,
): FaultInjector {
  const random = derivedRandom(seed, "faults");
  const queue = shuffled(random, [
    ...repeat<ProcessFault>("processJob SIGKILL", counts.processJobKills),
    ...repeat<ProcessFault>("redis restart", counts.redisRestarts),
    ...repeat<ProcessFault>("pubsub pause", counts.pubsubPauses),
    ...repeat<ProcessFault>("cloud tasks restart", counts.tasksRestarts),
  ]);
  const events: FaultEvent[] = [];
  let stopped = false;
  const finished = (async () => {
    for (const kind of queue) {
      await sleep(between(random, gapMs[0], gapMs[1]));
      if (stopped) return;
      const startedAt = Date.now();
      const struck = { at: startedAt };
      const detail = await inject(stack, kind, random, struck);
      events.push({ kind, startedAt, endedAt: Date.now(), struckAt: struck.at, detail });
      log(`  fault: ${kind} (${detail})`);
    }
  })();
  // Awaited only once the submissions are done; until then a failed restart must not go unhandled.
  finished.catch(() => undefined);
  return {
    finished,
    events,
    async stop() {
      stopped = true;
      await finished;
    },
  };
}

async function inject(
  stack: ChaosStack,
  kind: ProcessFault,
  random: Random,
  struck: { at: number },
): Promise<string> {
  switch (kind) {
    case "processJob SIGKILL": {
      const downMs = between(random, 200, 2_000);
      // A kill matters when an attempt is under way: wait (briefly) for one, then strike at random.
      const busy = await stack.untilProcessing(10_000);
      await sleep(between(random, 0, 300));
      struck.at = Date.now();
      stack.killProcessJob();
      await sleep(downMs);
      await stack.startProcessJob();
      return `${busy} jobs processing; down ${downMs} ms before the new instance started`;
    }
    case "redis restart": {
      const downMs = between(random, 2_000, 6_000);
      await stack.stopRedis();
      await sleep(downMs);
      await stack.startRedis();
      return `down ${downMs} ms, back empty`;
    }
    case "pubsub pause": {
      const pausedMs = between(random, 2_000, 8_000);
      stack.pausePubsub();
      await sleep(pausedMs);
      stack.resumePubsub();
      return `SIGSTOP for ${pausedMs} ms, then SIGCONT`;
    }
    case "cloud tasks restart":
      await stack.restartTasksEmulator();
      return "SIGKILL, started again empty: its tasks are lost";
  }
}

function repeat<T>(item: T, times: number): T[] {
  return Array.from({ length: times }, () => item);
}

function shuffled<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
