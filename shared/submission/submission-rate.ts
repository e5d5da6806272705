import type { Deps } from "../deps.ts";
import { problem, type Problem } from "../http/problem.ts";
import { rateWindow, secondsUntilReset, type RateWindow } from "./rate-window.ts";

/**
 * How long a rate slot outlives its window before the TTL policy may delete it, in ms. Only the
 * current window is ever counted, so this only keeps a late deletion harmless. @defaultValue 1 h
 */
const SLOT_GRACE_MS = 3_600_000;

export type RateOutcome =
  | {
      kind: "taken";
      /** Gives the slot back: for a submission refused after it was counted, which costs nothing. */
      release: () => Promise<void>;
    }
  | { kind: "limited"; problem: Problem };

/**
 * Counts one submission against the user's per-minute limit (0: no limit, nothing written). A full
 * minute answers 429 naming the limit, its size and when it resets (the next minute, UTC).
 */
export async function takeSubmission(deps: Deps, userId: string, perMinute: number): Promise<RateOutcome> {
  if (perMinute === 0) return { kind: "taken", release: async () => undefined };
  const now = deps.clock.now();
  const window = rateWindow(now);
  const slot = await deps.store.takeRateSlot(userId, window.index, perMinute, window.endsAt + SLOT_GRACE_MS);
  if (slot === undefined) return { kind: "limited", problem: rateLimited(window, now, perMinute) };
  return {
    kind: "taken",
    release: () =>
      deps.store.releaseRateSlot(userId, window.index, slot).catch((error: unknown) => {
        // The slot then counts until its minute ends: the user is charged one submission too many.
        deps.logger.warn({ err: error, userId }, "could not give a rate slot back");
      }),
  };
}

function rateLimited(window: RateWindow, now: number, perMinute: number): Problem {
  return problem(
    "rate-limited",
    `You have made ${perMinute} submissions this minute, the most allowed; the count resets at ${new Date(window.endsAt).toISOString()}.`,
    {
      limitName: "submissions-per-minute",
      limit: perMinute,
      resetsAt: new Date(window.endsAt).toISOString(),
      retryAfterSeconds: secondsUntilReset(window, now),
    },
  );
}
