import type { Deps } from "../deps.ts";
import { problem, type Problem } from "../http/problem.ts";
import { dayEndsAt, formatUsd, MICROS_PER_USD, spendDay, type JobSpend } from "../spend-budget.ts";

export type SpendOutcome =
  | {
      kind: "held";
      /** The job's spend to store on it; null when no budget applies. */
      spend: JobSpend | null;
      /** Removes the hold: for an admission undone after it was held, which costs nothing. */
      release: () => Promise<void>;
    }
  | { kind: "limited"; problem: Problem };

/** Pause between looks while later holds settle (refuse themselves), in ms. @defaultValue 50 */
const SETTLE_PAUSE_MS = 50;
/** Looks before a hold that ranks within the budget gives up on later ones settling. @defaultValue 20 (about 1 s) */
const SETTLE_LOOKS = 20;

/**
 * Holds `SPEND_HOLD_USD` of the user's daily budget for a job being admitted (a budget of 0: no
 * budget, nothing written). Exact under concurrency with no counter document:
 *
 * - Safety: the hold is written first and the day's total summed after it. A job is admitted only
 *   when that total is within the budget, and of any number of simultaneous admissions the one
 *   whose sum came last saw every hold still standing, so holds and charges never exceed it.
 * - No needless refusals: simultaneous holds are ranked by `order` (time held, then job id). A hold
 *   whose part of the total up to its own rank is over the budget refuses itself and removes its
 *   hold; one within it waits for the later ones to do so, then looks again. Of 15 simultaneous
 *   submissions with room for 5, the first 5 by rank get in, not some fewer.
 *
 * Operations: 1 write (the hold) and 1 aggregation read; under contention 2 reads per look; a
 * refusal adds 1 delete.
 */
export async function holdSpend(
  deps: Deps,
  userId: string,
  jobId: string,
  budgetMicros: number,
): Promise<SpendOutcome> {
  if (budgetMicros === 0) return { kind: "held", spend: null, release: async () => undefined };
  const now = deps.clock.now();
  const spend: JobSpend = {
    day: spendDay(now),
    heldMicros: deps.config.limits.spendHoldMicros,
    chargedMicros: null,
  };
  const release = () =>
    deps.store.dropSpend(userId, spend.day, jobId).catch((error: unknown) => {
      // The hold then counts until the day ends: the user is charged for a job they never got.
      deps.logger.warn({ err: error, userId, jobId }, "could not remove a spend hold");
    });
  const order = `${String(now).padStart(15, "0")}_${jobId}`;
  await deps.store.holdSpend(userId, jobId, spend, order);
  let total: number;
  try {
    total = await settledTotal(deps, userId, spend.day, order, budgetMicros);
  } catch (error) {
    await release();
    throw error;
  }
  if (total <= budgetMicros) return { kind: "held", spend, release };
  await release();
  return { kind: "limited", problem: budgetReached(spend, total - spend.heldMicros, budgetMicros, now) };
}

/**
 * The day's total once it is within the budget, or once this hold is over it by its own rank, or
 * after {@link SETTLE_LOOKS} looks (a later hold that was admitted first, from an instance whose
 * clock runs behind, never goes away: this one is then refused, rightly).
 */
async function settledTotal(deps: Deps, userId: string, day: number, order: string, budget: number) {
  for (let look = 1; ; look++) {
    const total = await deps.store.daySpend(userId, day);
    if (total <= budget || look >= SETTLE_LOOKS) return total;
    const mine = await deps.store.daySpend(userId, day, order);
    if (mine > budget) return total;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
  }
}

function budgetReached(spend: JobSpend, spentMicros: number, budgetMicros: number, now: number): Problem {
  const resetsAt = new Date(dayEndsAt(spend.day)).toISOString();
  return problem(
    "spend-limit-reached",
    `Your jobs today cost or hold ${formatUsd(spentMicros)} USD of your ${formatUsd(budgetMicros)} USD daily budget, ` +
      `and one more would hold ${formatUsd(spend.heldMicros)} USD; the budget resets at ${resetsAt}.`,
    {
      limitName: "daily-spend-usd",
      limit: budgetMicros / MICROS_PER_USD,
      spentUsd: spentMicros / MICROS_PER_USD,
      holdUsd: spend.heldMicros / MICROS_PER_USD,
      resetsAt,
      retryAfterSeconds: Math.max(1, Math.ceil((dayEndsAt(spend.day) - now) / 1000)),
    },
  );
}
