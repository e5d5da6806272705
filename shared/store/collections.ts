/**
 * Firestore collections. `jobs` is what clients listen to (security rules let an owner read theirs);
 * everything else is server-only.
 */
export const COLLECTIONS = {
  /** `jobs/{jobId}`: one generation job, the source of truth for its state. */
  jobs: "jobs",
  /** `cache/{cacheKey}`: a completed result shared by all users, expiring via a TTL policy on `expireAt`. */
  cache: "cache",
  /** `dedupClaims/{sha256(uid:cacheKey)}`: which job answers a user's repeat of the same request. */
  dedupClaims: "dedupClaims",
  /** `userSlots/{uid}_{k}`: one document per active job of a user, k < the per-user limit. */
  userSlots: "userSlots",
  /** `rateSlots/{uid}_{minute}_{k}`: one document per submission of a user in a minute, k < the rate limit. */
  rateSlots: "rateSlots",
  /** `spend/{uid}_{day}_{jobId}`: one admitted job's hold on, then charge to, its owner's daily budget. */
  spend: "spend",
  /** `idempotencyKeys/{sha256(uid:key)}`: the first response to an `Idempotency-Key`. */
  idempotencyKeys: "idempotencyKeys",
  /** `webhookSecrets/{uid}`: a user's webhook signing secret (and the previous one, after a rotation). */
  webhookSecrets: "webhookSecrets",
  /** `deadLetters/{jobId}`: failed jobs an operator can inspect and replay. */
  deadLetters: "deadLetters",
} as const;
