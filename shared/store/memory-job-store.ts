import { newCharge } from "../spend-budget.ts";
import type { Lane } from "../lanes.ts";
import { ACTIVE_STATUSES } from "../job-state.ts";
import { claimView, type StoredClaim } from "./claim-rules.ts";
import type { DeadLetter } from "./dead-letters.ts";
import { KEY_RETENTION_MS, PENDING_TIMEOUT_MS } from "./idempotency-records.ts";
import type { Job } from "./job-document.ts";
import { firstSecrets, rotatedSecrets, type WebhookSecrets } from "./webhook-secrets.ts";
import {
  AlreadyExistsError,
  type CacheEntry,
  type JobStore,
  type StoredResponse,
  type VersionedJob,
} from "./job-store.ts";
import type { CacheSlot } from "./flight-rules.ts";
import { memoryFlights } from "./memory-flights.ts";
import { memoryQueueFigures } from "./memory-queue-figures.ts";
import { decodePageCursor, encodePageCursor } from "./page-cursor.ts";

/**
 * A {@link JobStore} in memory, for fast use-case tests and tools. It passes the same contract suite
 * as the Firestore store: `apply` reads, decides and writes without yielding, which is what a
 * transaction guarantees; every value is copied in and out, as a database would.
 */
export function memoryJobStore(): JobStore {
  const jobs = new Map<string, { job: Job; version: number }>();
  const listeners = new Map<string, Set<(job: Job | undefined) => void>>();
  const slots = new Map<
    string,
    { userId: string; slot: number; jobId: string; acquiredAt: number; lane: Lane }
  >();
  const claims = new Map<string, StoredClaim>();
  const rateSlots = new Set<string>();
  /** The spend ledger: `{uid}_{day}_{jobId}` → micro-dollars. */
  const spend = new Map<string, { userId: string; day: number; micros: number; order?: string }>();
  const keys = new Map<
    string,
    { fingerprint: string; done?: StoredResponse; createdAt: number; expireAt: number }
  >();
  const cache = new Map<string, CacheEntry & { hits: number }>();
  const deadLetters = new Map<string, DeadLetter>();
  const secrets = new Map<string, WebhookSecrets>();
  const flights = memoryFlights();
  const cacheSlot = (key: string, now: number): CacheSlot => {
    const entry = cache.get(key);
    return { entry: entry && entry.expireAt > now ? copy(entry) : undefined, flight: flights.get(key) };
  };
  let clock = 0;
  const copy = <T>(value: T): T => structuredClone(value);

  function write(job: Job) {
    jobs.set(job.id, { job: copy(job), version: ++clock });
    for (const listener of listeners.get(job.id) ?? []) listener(copy(job));
  }
  const versioned = (id: string): VersionedJob | undefined => {
    const found = jobs.get(id);
    return found && { job: copy(found.job), version: String(found.version) };
  };
  const subscribe = (jobId: string, listener: (job: Job | undefined) => void) => {
    const set = listeners.get(jobId) ?? new Set();
    listeners.set(jobId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(jobId);
    };
  };
  const claimFor = (userId: string, cacheKey: string) => `${userId}:${cacheKey}`;
  const jobFacts = (id: string) => jobs.get(id)?.job;

  return {
    async getJob(jobId) {
      return versioned(jobId);
    },
    async createJob(job) {
      if (jobs.has(job.id)) throw new AlreadyExistsError(`jobs/${job.id} exists`);
      write(job);
      return String(clock);
    },
    async deleteJob(jobId) {
      jobs.delete(jobId);
      for (const listener of listeners.get(jobId) ?? []) listener(undefined);
    },
    async countActiveJobs() {
      return [...jobs.values()].filter((j) => ACTIVE_STATUSES.includes(j.job.status)).length;
    },
    async listUserJobs(userId, query) {
      const mine = [...jobs.values()]
        .map((j) => j.job)
        .filter((j) => j.userId === userId && (query.status === undefined || j.status === query.status));
      const page = newestFirst(mine, (j) => [j.createdAt, j.id], query.cursor, query.limit);
      return { jobs: page.items.map(copy), nextCursor: page.nextCursor };
    },
    waitForJobChange(jobId, sinceVersion, timeoutMs) {
      return new Promise((resolve) => {
        const now = versioned(jobId);
        if (now !== undefined && now.version !== sinceVersion) return resolve(now);
        const stop = subscribe(jobId, (job) => {
          if (job === undefined) return;
          clearTimeout(timer);
          stop();
          resolve(versioned(jobId));
        });
        const timer = setTimeout(() => (stop(), resolve(undefined)), timeoutMs);
      });
    },
    watchJob(jobId, onChange) {
      // Like a Firestore listener: the current state first, then every write.
      let live = true;
      const current = jobs.get(jobId)?.job;
      queueMicrotask(() => live && onChange(current && copy(current)));
      const stop = subscribe(jobId, onChange);
      return () => {
        live = false;
        stop();
      };
    },
    async apply(jobId, decide, known) {
      const found = jobs.get(jobId);
      if (found === undefined)
        return { ok: false, reason: "missing", message: `jobs/${jobId} does not exist` };
      // `known` only saves a read; the outcome is the same as deciding on what is stored now.
      void known;
      const before = copy(found.job);
      const result = decide(copy(before));
      if (!result.ok) {
        const version = String(found.version);
        return { ok: false, reason: result.reason, message: result.message, job: before, version };
      }
      const { decision } = result;
      write(decision.job);
      // As in Firestore, without looking: a job's `slot` always names a slot that names the job.
      if (decision.freeSlot !== null) slots.delete(`${before.userId}_${decision.freeSlot}`);
      if (decision.deadLetter !== null) deadLetters.set(jobId, copy(decision.deadLetter));
      if (decision.dropDeadLetter) deadLetters.delete(jobId);
      const charged = newCharge(before.spend, decision.job.spend);
      if (decision.job.spend && charged !== null) {
        const { day } = decision.job.spend;
        const key = `${before.userId}_${day}_${jobId}`;
        spend.set(key, { ...spend.get(key), userId: before.userId, day, micros: charged });
      }
      return { ok: true, before, decision: copy(decision), version: String(clock) };
    },

    async acquireSlot(userId, jobId, limit, now, lane = "interactive") {
      for (let slot = 0; slot < limit; slot++) {
        const key = `${userId}_${slot}`;
        if (slots.has(key)) continue;
        slots.set(key, { userId, slot, jobId, acquiredAt: now, lane });
        return slot;
      }
      return undefined;
    },
    async releaseSlot(userId, slot, jobId) {
      if (slots.get(`${userId}_${slot}`)?.jobId !== jobId) return false;
      return slots.delete(`${userId}_${slot}`);
    },
    async heldSlots(userId) {
      return [...slots.values()].filter((s) => s.userId === userId).length;
    },
    async countAllSlots() {
      return slots.size;
    },
    async countSlotsBefore(before) {
      return [...slots.values()].filter((s) => s.acquiredAt < before).length;
    },
    async countLaneSlots(lane, before) {
      return [...slots.values()].filter(
        (s) => s.lane === lane && (before === undefined || s.acquiredAt < before),
      ).length;
    },
    async oldSlots(before, limit) {
      return [...slots.values()]
        .filter((s) => s.acquiredAt < before)
        .sort((a, b) => a.acquiredAt - b.acquiredAt)
        .slice(0, limit)
        .map(({ lane: _lane, ...s }) => ({ ...s, job: versioned(s.jobId)?.job }));
    },

    async takeRateSlot(userId, window, limit) {
      for (let slot = 0; slot < limit; slot++) {
        const key = `${userId}_${window}_${slot}`;
        if (rateSlots.has(key)) continue;
        rateSlots.add(key);
        return slot;
      }
      return undefined;
    },
    async releaseRateSlot(userId, window, slot) {
      rateSlots.delete(`${userId}_${window}_${slot}`);
    },

    async holdSpend(userId, jobId, held, order) {
      const key = `${userId}_${held.day}_${jobId}`;
      if (spend.has(key)) throw new AlreadyExistsError(`spend/${key} exists`);
      spend.set(key, { userId, day: held.day, micros: held.heldMicros, order });
    },
    async daySpend(userId, day, upTo) {
      let micros = 0;
      for (const e of spend.values()) {
        const ranked = upTo === undefined || (e.order !== undefined && e.order <= upTo);
        if (e.userId === userId && e.day === day && ranked) micros += e.micros;
      }
      return micros;
    },
    async dropSpend(userId, day, jobId) {
      spend.delete(`${userId}_${day}_${jobId}`);
    },

    async findClaim(userId, cacheKey, now, windowMs) {
      const claim = claims.get(claimFor(userId, cacheKey));
      const view = claim && claimView(claim, jobFacts(claim.jobId), now, windowMs);
      const job = claim && jobFacts(claim.jobId);
      return view && job ? { ...view, job: copy(job) } : view;
    },
    async takeClaim(claim) {
      const key = claimFor(claim.userId, claim.cacheKey);
      const stored = claims.get(key);
      if (stored !== undefined && claim.force !== true) {
        const view = claimView(stored, jobFacts(stored.jobId), claim.now, claim.windowMs);
        if (view !== undefined && view.jobId !== claim.jobId) return { won: false, claim: view };
      }
      claims.set(key, { jobId: claim.jobId, createdAt: claim.now, admitted: claim.admitted });
      return { won: true };
    },
    async dropClaim(userId, cacheKey, jobId) {
      if (claims.get(claimFor(userId, cacheKey))?.jobId === jobId) claims.delete(claimFor(userId, cacheKey));
    },

    async startIdempotent(userId, key, fingerprint, now) {
      const id = `${userId}:${key}`;
      const record = keys.get(id);
      const fresh = { fingerprint, createdAt: now, expireAt: now + KEY_RETENTION_MS };
      if (record === undefined) return (keys.set(id, fresh), { kind: "new" });
      if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
      if (record.done !== undefined) return { kind: "replay", response: copy(record.done) };
      if (now - record.createdAt < PENDING_TIMEOUT_MS) return { kind: "in-progress" };
      return (keys.set(id, fresh), { kind: "new" });
    },
    async finishIdempotent(userId, key, response) {
      const record = keys.get(`${userId}:${key}`);
      if (record === undefined) throw new Error(`idempotencyKeys/${userId}:${key} does not exist`);
      record.done = copy(response);
    },
    async abandonIdempotent(userId, key) {
      keys.delete(`${userId}:${key}`);
    },

    async getCacheEntry(cacheKey) {
      const entry = cache.get(cacheKey);
      if (entry === undefined) return undefined;
      return copy(entry);
    },
    async putCacheEntry(cacheKey, entry) {
      cache.set(cacheKey, { ...copy(entry), hits: 0 });
      flights.end(cacheKey);
    },
    ...flights.port(cacheSlot),
    async addCacheHits(cacheKey, count) {
      const entry = cache.get(cacheKey);
      if (entry !== undefined) entry.hits += count;
    },

    async getDeadLetter(jobId) {
      const entry = deadLetters.get(jobId);
      return entry && copy(entry);
    },
    async listDeadLetters(query) {
      const chosen = [...deadLetters.values()].filter(
        (e) => query.errorType === undefined || e.errorType === query.errorType,
      );
      const page = newestFirst(chosen, (e) => [e.failedAt, e.jobId], query.cursor, query.limit);
      return { entries: page.items.map(copy), nextCursor: page.nextCursor };
    },
    async deleteDeadLetter(jobId) {
      return deadLetters.delete(jobId);
    },

    async expiredLeases(now, limit) {
      return [...jobs.values()]
        .map((j) => j.job)
        .filter((j) => j.status === "processing" && j.leaseExpiresAt !== null && j.leaseExpiresAt < now)
        .sort((a, b) => (a.leaseExpiresAt ?? 0) - (b.leaseExpiresAt ?? 0))
        .slice(0, limit)
        .map((j) => j.id);
    },
    async staleQueued(before, limit) {
      return [...jobs.values()]
        .map((j) => j.job)
        .filter((j) => j.status === "queued" && j.updatedAt < before)
        .sort((a, b) => a.updatedAt - b.updatedAt)
        .slice(0, limit)
        .map(copy);
    },
    async dueWebhooks(now, limit) {
      const checkAt = (j: Job) => j.webhook?.checkAt ?? null;
      return [...jobs.values()]
        .map((j) => j.job)
        .filter((j) => checkAt(j) !== null && (checkAt(j) as number) < now)
        .sort((a, b) => (checkAt(a) as number) - (checkAt(b) as number))
        .slice(0, limit)
        .map(copy);
    },
    async webhookSecret(userId, fresh, now) {
      if (!secrets.has(userId)) secrets.set(userId, firstSecrets(fresh, now));
      return { ...(secrets.get(userId) as WebhookSecrets) };
    },
    async rotateWebhookSecret(userId, fresh, now, previousUntil) {
      const next = rotatedSecrets(secrets.get(userId), fresh, now, previousUntil);
      secrets.set(userId, next);
      return { ...next };
    },

    ...memoryQueueFigures(() => [...jobs.values()].map((j) => j.job), slots.values.bind(slots), deadLetters),
    async probe() {},
  };
}

/**
 * One page of `items` ordered by time then id, both descending (as the Firestore queries order),
 * after the position `cursor` names, with the cursor of the next page when there is one.
 */
function newestFirst<T>(
  items: T[],
  key: (item: T) => [number, string],
  cursor: string | undefined,
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const after = decodePageCursor(cursor);
  const before = (a: [number, string], b: [number, string]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  const sorted = items
    .sort((x, y) => (before(key(x), key(y)) ? -1 : before(key(y), key(x)) ? 1 : 0))
    .filter((item) => after === undefined || before([after.atMs, after.id], key(item)));
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  if (sorted.length <= limit || last === undefined) return { items: page, nextCursor: null };
  const [atMs, id] = key(last);
  return { items: page, nextCursor: encodePageCursor({ atMs, id }) };
}
