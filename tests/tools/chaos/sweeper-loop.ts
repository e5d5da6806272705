/** What the sweeper runs of one chaos run added up to (fields of its JSON report). */
export interface SweepTotals {
  runs: number;
  failedRuns: number;
  expiredLeases: number;
  requeued: number;
  failed: number;
  cancelled: number;
  reenqueued: number;
  slotsRepaired: number;
  errors: number;
}

export interface SweeperLoop {
  totals: SweepTotals;
  /** Runs one sweep now and waits for it (the drain's last word). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

const FIELDS = [
  "expiredLeases",
  "requeued",
  "failed",
  "cancelled",
  "reenqueued",
  "slotsRepaired",
  "errors",
] as const;

/**
 * Calls the `sweep` function every `everyMs`, as Cloud Scheduler would (but far more often, so that
 * lost tasks and expired leases are found within seconds), one run at a time, adding up its reports.
 */
export function startSweeperLoop(url: string, everyMs: number): SweeperLoop {
  const totals: SweepTotals = {
    runs: 0,
    failedRuns: 0,
    expiredLeases: 0,
    requeued: 0,
    failed: 0,
    cancelled: 0,
    reenqueued: 0,
    slotsRepaired: 0,
    errors: 0,
  };
  let current: Promise<void> | undefined;
  // One run at a time: a tick that finds the previous sweep still running is skipped.
  const runOnce = async () => {
    while (current !== undefined) await current;
    current = sweepOnce(url, totals).finally(() => (current = undefined));
    await current;
  };
  const timer = setInterval(() => {
    if (current === undefined) void runOnce();
  }, everyMs);
  timer.unref();
  return {
    totals,
    runOnce,
    async stop() {
      clearInterval(timer);
      while (current !== undefined) await current;
    },
  };
}

async function sweepOnce(url: string, totals: SweepTotals): Promise<void> {
  totals.runs += 1;
  try {
    const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(60_000) });
    const report = (await response.json()) as Partial<Record<(typeof FIELDS)[number], number>>;
    if (!response.ok) totals.failedRuns += 1;
    for (const field of FIELDS) totals[field] += report[field] ?? 0;
  } catch {
    totals.failedRuns += 1;
  }
}
