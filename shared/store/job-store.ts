import type { ErrorType } from "../errors.ts";
import type { DecideResult, Decision } from "../lifecycle/job-change.ts";
import type { DeadLetter } from "./dead-letters.ts";
import type { Job, JobResult } from "./job-document.ts";

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
   * Reads the job, lets `decide` choose, and writes the decision in one transaction: the job, the
   * slot it frees (only if the slot still names the job), the dead-letter entry written or dropped.
   * Tasks and events in the decision are the caller's to carry out after the commit.
   */
  apply(jobId: string, decide: (job: Job) => DecideResult): Promise<ApplyOutcome>;

  // ---- per-user slots (`limit` documents per user) ----
  /** Takes the first free slot below `limit`, or undefined when all are held. */
  acquireSlot(userId: string, jobId: string, limit: number, now: number): Promise<number | undefined>;
  /** Frees the slot if it still names `jobId`; says whether it did. */
  releaseSlot(userId: string, slot: number, jobId: string): Promise<boolean>;
  heldSlots(userId: string): Promise<number>;
  /** Slots acquired before `before` (ms), oldest first, at most `limit`. */
  oldSlots(before: number, limit: number): Promise<SlotRecord[]>;

  // ---- dedup claims ----
  /** The holding claim for this user and request, if any (see {@link ClaimView}). */
  findClaim(userId: string, cacheKey: string, now: number, windowMs: number): Promise<ClaimView | undefined>;
  /**
   * Claims the request for `jobId` unless a holding claim names another job (then returns it).
   * `force` replaces any claim (a cache-bypassing request is a new try by definition). `admitted`
   * says the job can no longer be undone (a cache hit is born completed).
   */
  takeClaim(claim: NewClaim): Promise<{ won: true } | { won: false; claim: ClaimView }>;
  /** Marks the claim of `jobId` admitted: from now on duplicates get that job. */
  confirmClaim(userId: string, cacheKey: string, jobId: string): Promise<void>;
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

  /** A cheap read, for `/health`. */
  probe(): Promise<void>;
}

/** A job and the version its document had when read (changes with every write), for ETags. */
export interface VersionedJob {
  job: Job;
  version: string;
}

export type ApplyOutcome =
  { ok: true; before: Job; decision: Decision } | { ok: false; reason: string; message: string; job?: Job };

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
