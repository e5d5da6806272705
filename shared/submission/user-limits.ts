import type { Config } from "../config.ts";

/** The limits that apply to one caller. */
export interface UserLimits {
  /** Queued plus processing jobs the caller may hold. */
  activeJobs: number;
  /** Submissions per calendar minute; 0 means no limit. */
  submitsPerMinute: number;
  /** USD per calendar day (UTC), in micro-dollars; 0 means no budget. */
  dailySpendMicros: number;
}

/**
 * Anonymous users get their own, stricter limits: anyone can mint one with a click, so they are
 * the cheapest identity to abuse. Signed-in users (email, a provider, a custom token) get the rest.
 */
export function userLimits(limits: Config["limits"], anonymous: boolean): UserLimits {
  if (anonymous) return { ...limits.anonymous };
  return {
    activeJobs: limits.userActiveJobs,
    submitsPerMinute: limits.userSubmitsPerMinute,
    dailySpendMicros: limits.dailySpendMicros,
  };
}
