/**
 * How many long-polls (`GET /v1/jobs/{id}?waitSeconds=`) each user holds open on this instance. A
 * held long-poll keeps a Firestore listener and a socket for up to 25 s, so one user opening many
 * could tie up an instance; past the cap a request is answered at once instead (a plain read, which
 * the client takes as a normal answer and polls again), never refused.
 *
 * Pure and in memory, per instance: the cap is per user per instance, not global, which is enough to
 * bound what one instance holds. Memory stays bounded by the requests in flight: a user's entry is
 * removed as soon as their count returns to 0.
 */
export interface LongPollLimit {
  /**
   * Takes one of `userId`'s places. Returns the function that gives it back (call it when the
   * long-poll ends, whatever the outcome; calling it again does nothing), or `undefined` when the
   * user already holds the cap.
   */
  tryAcquire(userId: string): (() => void) | undefined;
  /** Places `userId` holds now (0 for a user not in the table). */
  held(userId: string): number;
  /** Users holding at least one place: the size of the table. */
  readonly users: number;
}

/**
 * @param maxPerUser - long-polls one user may hold at once on this instance (`config.limits.userLongPolls`,
 *   env `USER_LONG_POLL_LIMIT`, default 4); a positive integer.
 */
export function createLongPollLimit(maxPerUser: number): LongPollLimit {
  if (!Number.isInteger(maxPerUser) || maxPerUser < 1) {
    throw new RangeError(`maxPerUser must be a positive integer, got ${maxPerUser}`);
  }
  const counts = new Map<string, number>();
  return {
    tryAcquire(userId) {
      const current = counts.get(userId) ?? 0;
      if (current >= maxPerUser) return undefined;
      counts.set(userId, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(userId) ?? 1) - 1;
        if (left > 0) counts.set(userId, left);
        else counts.delete(userId);
      };
    },
    held: (userId) => counts.get(userId) ?? 0,
    get users() {
      return counts.size;
    },
  };
}
