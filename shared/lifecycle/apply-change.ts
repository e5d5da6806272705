import type { Deps } from "../deps.ts";
import type { ApplyOutcome } from "../store/job-store.ts";
import { decide } from "./decide.ts";
import type { DecideContext, JobChange } from "./job-change.ts";

/** The decision context from the deps, at `now` (ms): the time, the retry settings and the jitter. */
export function decideContext(deps: Deps, now: number): DecideContext {
  const { config } = deps;
  return {
    now,
    random: deps.random,
    settings: {
      retry: config.retry,
      retryAfterMaxMs: config.retryAfterMaxMs,
      deadLetterRetentionMs: config.deadLetterRetentionMs,
    },
  };
}

/**
 * Applies `change` to the job in one store transaction, as {@link decide} rules at `now` (ms,
 * default the clock's now). What the decision leaves for after the commit (tasks, events) is the
 * caller's, through `carryOut`.
 */
export function applyChange(
  deps: Deps,
  jobId: string,
  change: JobChange,
  now = deps.clock.now(),
): Promise<ApplyOutcome> {
  const ctx = decideContext(deps, now);
  return deps.store.apply(jobId, (job) => decide(job, change, ctx));
}
