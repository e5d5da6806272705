import type { Firestore } from "@google-cloud/firestore";
import { sleep } from "./random.ts";
import type { SweeperLoop } from "./sweeper-loop.ts";

export interface DrainResult {
  drained: boolean;
  /** Jobs still queued or processing when the wait ended. */
  active: number;
  ms: number;
}

/**
 * Waits, at most `timeoutMs`, for every job to end (no job queued or processing), while the sweeper
 * keeps running; then sweeps once more, so its slot repair has seen the final state.
 */
export async function drainQueue(
  firestore: Firestore,
  sweeper: SweeperLoop,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<DrainResult> {
  const started = Date.now();
  const active = firestore.collection("jobs").where("status", "in", ["queued", "processing"]);
  let remaining = Number.POSITIVE_INFINITY;
  let lastLog = 0;
  while (Date.now() - started < timeoutMs) {
    try {
      remaining = (await active.count().get()).data().count;
    } catch {
      remaining = Number.POSITIVE_INFINITY;
    }
    if (remaining === 0) break;
    if (Date.now() - lastLog >= 10_000) {
      log(`  draining: ${remaining} jobs active after ${Math.round((Date.now() - started) / 1000)} s`);
      lastLog = Date.now();
    }
    await sleep(2_000);
  }
  await sweeper.runOnce();
  return { drained: remaining === 0, active: remaining, ms: Date.now() - started };
}
