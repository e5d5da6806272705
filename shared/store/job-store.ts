import type { ErrorType } from "../errors.ts";
import type { DecideResult, Decision } from "../lifecycle/job-change.ts";
import type { Lane } from "../lanes.ts";
import type { JobSpend } from "../spend-budget.ts";
import type { DeadLetter } from "./dead-letters.ts";
import type { Job, JobResult } from "./job-document.ts";
import type { WebhookSecrets } from "./webhook-secrets.ts";

/**
 * The one way use-cases reach the database: jobs, per-user slots, dedup claims, idempotency records,
 * the shared result cache (L2), dead letters and the sweeper's queries. Two implementations pass one
 * contract suite (tests/contract/job-store-contract.ts): Firestore (production, and the emulator in
 * tests) and an in-memory store for fast use-case tests.
 */
export interface JobStore {
  // ---- jobs ----
  getJob(jobId: string): Promise<VersionedJob | undefined>;
  /** Fails with {@link AlreadyExistsError} if the id is taken. Returns the new version. */
  createJob(job: Job): Promise<string>;
  /** Removes a job whose admission is being undone (it was never visible as accepted). */
  deleteJob(jobId: string): Promise<void>;
  /** Queued plus processing jobs of all users. */
  countActiveJobs(): Promise<number>;
  listUserJobs(userId: string, page: JobPageQuery): Promise<{ jobs: Job[]; nextCursor: string | null }>;
  /** The job once its version differs from `sinceVersion`, or undefined after `timeoutMs`. */
  waitForJobChange(jobId: string, sinceVersion: string, timeoutMs: number): Promise<VersionedJob | undefined>;
  /** Calls `onChange` with the job whenever it is written (undefined once deleted); returns the stop. */
  watchJob(jobId: string, onChange: (job: Job | undefined) => void): () => void;
  /**
   * Reads the job, lets `decide` choose, and writes the decision atomically, only if the job was not
   * written meanwhile (else it reads and decides again): the job, the slot it frees, the dead-letter
   * entry written or dropped, and its spend-ledger entry when the decision charged the job. With `known` (the job and version this caller last wrote or read) the
   * read is skipped while that version is current; a refusal is always decided on a fresh read.
   * Tasks and events in the decision are the caller's to carry out after the commit.
   */
  apply(jobId: string, decide: (job: Job) => DecideResult, known?: VersionedJob): Promise<ApplyOutcome>;

  // ---- per-user slots (`limit` documents per user) ----
  /** Takes the first free slot below `limit` for a job of `lane`, or undefined when all are held. */
  acquireSlot(
    userId: string,
    jobId: string,
    limit: number,
    now: number,
    lane?: Lane,
  ): Promise<number | undefined>;
  /** Frees the slot if it still names `jobId`; says whether it did. */
  releaseSlot(userId: string, slot: number, jobId: string): Promise<boolean>;
  heldSlots(userId: string): Promise<number>;
  /**
   * Slots held by all users: one per queued or processing job (taken before the job is written,
   * freed by its terminal write), so the queue's depth. Counted where only the active work lives,
   * so the count's cost follows the queue's depth, never its history (the emulator scans every
   * document of a collection for a count: over `jobs`, thousands in a benchmark).
   */
  countAllSlots(): Promise<number>;
  /** Slots acquired before `before` (ms), of all users: the active jobs admitted earlier. */
  countSlotsBefore(before: number): Promise<number>;
  /** Slots of one lane (all users): its active jobs; only those acquired before `before` (ms) when given. */
  countLaneSlots(lane: Lane, before?: number): Promise<number>;
  /** Slots acquired before `before` (ms), oldest first, at most `limit`. */
  oldSlots(before: number, limit: number): Promise<SlotRecord[]>;

  // ---- per-user submission rate (`limit` documents per user and minute) ----
  /**
   * Takes a free submission slot of minute `window` below `limit`, or undefined when all are taken.
   * `expireAt` (ms) is when the slot may be deleted (after its window).
   */
  takeRateSlot(userId: string, window: number, limit: number, expireAt: number): Promise<number | undefined>;
  /** Gives a slot back: the submission that took it was refused after all. */
  releaseRateSlot(userId: string, window: number, slot: number): Promise<void>;

  // ---- the daily spend budget's ledger (one entry per admitted job, `spend-ledger.ts`) ----
  /**
   * Records the job's hold on its owner's budget for `spend.day`; `order` (a string that sorts in
   * the order holds were made) ranks it against simultaneous holds (see `spend-hold.ts`).
   */
  holdSpend(userId: string, jobId: string, spend: JobSpend, order: string): Promise<void>;
  /**
   * The user's spend for `day` (days since the epoch, UTC), in micro-dollars: holds of running jobs
   * plus charges of ended ones; with `upTo`, only of the entries whose order is at most that. A job's
   * charge is written with its terminal state by `apply`.
   */
  daySpend(userId: string, day: number, upTo?: string): Promise<number>;
  /** Removes a hold whose admission is being undone. */
  dropSpend(userId: string, day: number, jobId: string): Promise<void>;

  // ---- webhook signing secrets (one per user, `webhook-secrets.ts`) ----
  /** The user's signing secrets; `fresh` (made at `now`, ms) becomes them when the user has none yet. */
  webhookSecret(userId: string, fresh: string, now: number): Promise<WebhookSecrets>;
  /**
   * Makes `fresh` the current secret; the one it replaces (if any) keeps signing until
   * `previousUntil` (ms), and one rotated out earlier stops at once.
   */
  rotateWebhookSecret(
    userId: string,
    fresh: string,
    now: number,
    previousUntil: number,
  ): Promise<WebhookSecrets>;

  // ---- dedup claims ----
  /** The holding claim for this user and request, if any (see {@link ClaimView}). */
  findClaim(userId: string, cacheKey: string, now: number, windowMs: number): Promise<ClaimView | undefined>;
  /**
   * Claims the request for `jobId` unless a holding claim names another job (then returns it).
   * `force` replaces any claim (a cache-bypassing request is a new try by definition). `admitted`
   * says the job can no longer be undone (a cache hit is born completed); an admission's claim stays
   * unadmitted, and a duplicate learns that the job is live from its task (see `duplicate.ts`).
   */
  takeClaim(claim: NewClaim): Promise<{ won: true } | { won: false; claim: ClaimView }>;
  /** Drops the claim if it still names `jobId` (an admission that was rolled back). */
  dropClaim(userId: string, cacheKey: string, jobId: string): Promise<void>;

  // ---- idempotency keys ----
  startIdempotent(userId: string, key: string, fingerprint: string, now: number): Promise<IdempotencyStart>;
  finishIdempotent(userId: string, key: string, response: StoredResponse): Promise<void>;
  abandonIdempotent(userId: string, key: string): Promise<void>;

  // ---- result cache (L2; Redis may sit in front) ----
  getCacheEntry(cacheKey: string): Promise<CacheEntry | undefined>;
  putCacheEntry(cacheKey: string, entry: CacheEntry): Promise<void>;
  /** Adds `count` hits; a missing entry is ignored. */
  addCacheHits(cacheKey: string, count: number, now: number): Promise<void>;

  // ---- single-flight on a cache key (rules in flight-rules.ts) ----
  /** Who generates `cacheKey`'s result: this job, another job in flight, or a stored result. */
  startFlight(cacheKey: string, request: FlightRequest): Promise<FlightStart>;
  /**
   * Resolves once `cacheKey` no longer shows `jobId`'s flight live (its result stored, its flight
   * ended or taken over), or after `timeoutMs`, or when `signal` aborts.
   */
  awaitFlight(cacheKey: string, jobId: string, timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Ends `jobId`'s flight without a result (its attempt failed), so a waiting job can lead. */
  endFlight(cacheKey: string, jobId: string): Promise<void>;

  // ---- dead letters ----
  getDeadLetter(jobId: string): Promise<DeadLetter | undefined>;
  listDeadLetters(query: DeadLetterQuery): Promise<{ entries: DeadLetter[]; nextCursor: string | null }>;
  /** Deletes the entry; false when there was none. */
  deleteDeadLetter(jobId: string): Promise<boolean>;

  // ---- the sweeper's queries (oldest first, at most `limit`) ----
  /** Ids of processing jobs whose lease expired before `now`. */
  expiredLeases(now: number, limit: number): Promise<string[]>;
  /** Queued jobs not written since `before`. */
  staleQueued(before: number, limit: number): Promise<Job[]>;
  /** Jobs with a pending webhook message whose `webhook.checkAt` is before `now` (its task may be lost). */
  dueWebhooks(now: number, limit: number): Promise<Job[]>;

  // ---- queue-wide figures (the gauges and threshold crossings, `telemetry/queue-gauges.ts`) ----
  /**
   * What the queue holds at `now` (ms), from aggregation counts (one read per 1,000 entries each),
   * one 1-document query, and at most `slotLimit` slot documents for the distinct users.
   */
  queueCounts(now: number, slotLimit: number): Promise<QueueCounts>;
  /** Records that the depth reached `level`: true for the first caller only, until it is cleared. */
  markThresholdCrossed(level: ThresholdLevel, depth: number, now: number): Promise<boolean>;
  /** Forgets that the depth reached `level` (it went back below), so the next crossing counts. */
  clearThresholdCrossed(level: ThresholdLevel): Promise<void>;

  /** A cheap read, for `/health`. */
  probe(): Promise<void>;
}

/** Queue-wide counts, at one moment per figure (not one snapshot: each is its own query). */
export interface QueueCounts {
  /** Queued jobs, those waiting for a scheduled retry included. */
  queued: number;
  /** Queued jobs whose next attempt is scheduled after `now` (`nextAttemptAt > now`). */
  retryWait: number;
  processing: number;
  /** `createdAt` (ms) of the oldest queued job not attempted yet, or null when none waits. */
  oldestWaitingSince: number | null;
  deadLetters: number;
  /** Distinct users holding a per-user slot (among the first `slotLimit` slot documents). */
  activeUsers: number;
}

/** The queue-depth thresholds: `QUEUE_WARNING_THRESHOLD` and `QUEUE_CAPACITY`. */
export type ThresholdLevel = "warning" | "critical";

/** A job and the version its document had when read (changes with every write), for ETags. */
export interface VersionedJob {
  job: Job;
  version: string;
}

/** A decision applied, with the job's new version; or refused, with the job as read (if it exists). */
export type ApplyOutcome =
  | { ok: true; before: Job; decision: Decision; version: string }
  | { ok: false; reason: string; message: string; job?: Job; version?: string };

export interface JobPageQuery {
  status?: string | undefined;
  limit: number;
  /** Opaque, as issued in `nextCursor`; a RangeError for one this API did not issue. */
  cursor?: string | undefined;
}

export interface DeadLetterQuery {
  errorType?: ErrorType | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface SlotRecord {
  userId: string;
  slot: number;
  jobId: string;
  acquiredAt: number;
  /** The job the slot names, as stored now (undefined when it does not exist). */
  job: Job | undefined;
}

/** A dedup claim as a duplicate sees it. `admitted` false: the first request may still be undone. */
export interface ClaimView {
  jobId: string;
  admitted: boolean;
  /** The claim's job as read with it (by `findClaim`), when it exists: a duplicate's answer needs no second read. */
  job?: Job;
}

export interface NewClaim {
  userId: string;
  cacheKey: string;
  jobId: string;
  now: number;
  /** The dedup window, in ms (config `DEDUP_WINDOW_MS`). */
  windowMs: number;
  admitted: boolean;
  force?: boolean;
}

/** A stored result: what produced it and until when it is served (ms since the epoch). */
export interface CacheEntry {
  result: JobResult;
  /** The job whose generation produced it. */
  jobId: string;
  createdAt: number;
  expireAt: number;
  /** Hits counted so far (read back only; writers go through `addCacheHits`). */
  hits?: number;
}

/** A job asking to generate a cache key's result. */
export interface FlightRequest {
  jobId: string;
  /** Until when (ms) its flight counts as live: the end of its attempt's lease. */
  until: number;
  now: number;
  /** Oldest stored result (createdAt, ms) the job may use: its own submission time. */
  acceptFrom: number;
}

export type FlightStart =
  /** This job generates; its flight is recorded on the cache entry. */
  | { kind: "lead" }
  /** A result the job may use is stored. */
  | { kind: "stored"; entry: CacheEntry }
  /** Another job is generating the same result; wait for it (at most until `until`). */
  | { kind: "follow"; jobId: string; until: number };

/** A response worth replaying: status and JSON body (and the Location header for 202s). */
export interface StoredResponse {
  status: number;
  body: Record<string, unknown>;
  location?: string;
}

export type IdempotencyStart =
  | { kind: "new" }
  | { kind: "replay"; response: StoredResponse }
  /** The same key is being processed right now by another request. */
  | { kind: "in-progress" }
  /** The key was first used with a different request body. */
  | { kind: "mismatch" };

/** `createJob` on an id that exists. */
export class AlreadyExistsError extends Error {
  override name = "AlreadyExistsError";
}
