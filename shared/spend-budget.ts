/**
 * The per-user daily spend budget, in PixelLab USD. Amounts are integer micro-dollars (1 USD =
 * 1,000,000), so sums over many jobs are exact where floating-point dollars would drift.
 *
 * How it works: admitting a job holds `SPEND_HOLD_USD` of the user's budget for the day (UTC) it
 * was submitted; the job's end replaces the hold with what its generation cost as PixelLab reported
 * it (0 for a job that failed, was cancelled, or used another job's result). PixelLab has no cost
 * estimate endpoint (reference §3.8), so the hold is a setting: the most one job is expected to
 * cost. Only usage reported in USD is known in dollars; a job billed in generations or credits
 * (subscription accounts) keeps its hold as its charge, which errs on the side of the budget.
 */

/** Micro-dollars per USD. */
export const MICROS_PER_USD = 1_000_000;

/** A day of the budget: UTC calendar days, so every instance agrees where one ends. */
export const SPEND_DAY_MS = 86_400_000;

/** The spend a job carries: its budget day, the hold admitted with it, and its charge once ended. */
export interface JobSpend {
  /** Days since the epoch (UTC) of the submission: the budget the job counts against. */
  day: number;
  /** Held at admission, in micro-dollars. */
  heldMicros: number;
  /** What the job cost, in micro-dollars, once it ended; null while it runs. */
  chargedMicros: number | null;
}

export function spendDay(now: number): number {
  return Math.floor(now / SPEND_DAY_MS);
}

/** When a budget day's spend resets (the next UTC midnight), ms since the epoch. */
export function dayEndsAt(day: number): number {
  return (day + 1) * SPEND_DAY_MS;
}

export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/** Micro-dollars as USD for people and problem bodies: "1.50", "0.012345" (2 to 6 decimals). */
export function formatUsd(micros: number): string {
  const [whole, fraction = ""] = (micros / MICROS_PER_USD).toFixed(6).split(".");
  return `${whole}.${fraction.replace(/0+$/, "").padEnd(2, "0")}`;
}

/**
 * What a job that ended is charged: its own generation's USD usage; the hold when PixelLab billed
 * it in another unit (or reported nothing for a paid call); 0 when it paid PixelLab nothing.
 */
export function chargeOf(heldMicros: number, paid: boolean, usage: Record<string, unknown> | null): number {
  if (!paid) return 0;
  if (usage !== null && usage.type === "usd" && typeof usage.usd === "number" && Number.isFinite(usage.usd)) {
    return Math.max(0, usdToMicros(usage.usd));
  }
  return heldMicros;
}

/**
 * What a job that ended without a result is charged: its hold when PixelLab had started a
 * background job for it (PixelLab bills at the start, and reports nothing for a job abandoned or
 * failed), else nothing.
 */
export function unfinishedCharge(heldMicros: number, pixellabJobStarted: boolean): number {
  return pixellabJobStarted ? heldMicros : 0;
}

/**
 * The spend of a job that just ended: charged `chargedMicros` (a result's cost), else what an
 * unfinished job costs ({@link unfinishedCharge}); a job without a hold stays without.
 */
export function endedSpend(
  job: { spend: JobSpend | null; pixellabJobId: string | null },
  chargedMicros?: number,
): JobSpend | null {
  if (job.spend === null) return null;
  const charge = chargedMicros ?? unfinishedCharge(job.spend.heldMicros, job.pixellabJobId !== null);
  return { ...job.spend, chargedMicros: charge };
}

/** The charge a decision newly gives a job, for its ledger entry; null when it gives none. */
export function newCharge(before: JobSpend | null, after: JobSpend | null): number | null {
  const charged = after?.chargedMicros ?? null;
  return charged === null || charged === before?.chargedMicros ? null : charged;
}
