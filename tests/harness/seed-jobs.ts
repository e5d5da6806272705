import { randomUUID } from "node:crypto";
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import type { ErrorType } from "../../shared/errors.ts";
import type { JobErrorRecord } from "../../shared/job-state.ts";
import { validateOperationRequest } from "../../shared/operations/operations.ts";
import { deadLetterOf } from "../../shared/lifecycle/settle-attempt.ts";
import { deadLetterRef, encodeDeadLetter } from "../../shared/store/dead-letters.ts";
import { encodeJob, type Job } from "../../shared/store/job-document.ts";
import { slotRef } from "../../shared/store/user-slots.ts";
import { queuedJob } from "../../shared/submission/new-job.ts";
import { cacheKeyOf, pixfluxBody, TINY_PNG } from "./fixtures.ts";

/**
 * A job as the API would have admitted it (queued, attempt budget 3, 10 min timeout), then changed by
 * `overrides` into whatever state a test needs. Ids are fresh UUIDs without dashes, like the API's.
 */
export function testJob(overrides: Partial<Job> = {}): Job {
  const body = pixfluxBody(`a seeded job ${randomUUID()}`);
  const request = validateOperationRequest(body.operation, body.input);
  if (!request.ok) throw new Error("invalid fixture");
  const now = overrides.createdAt ?? Date.now();
  const base = queuedJob(
    {
      id: randomUUID().replaceAll("-", ""),
      userId: `user-${randomUUID().slice(0, 8)}`,
      request: request.value,
      cacheKey: cacheKeyOf(body),
      timeoutMs: 600_000,
      maxAttempts: 3,
      now,
    },
    0,
  );
  return { ...base, slot: null, ...overrides };
}

/** One attempt's error as the handler records it. `at` in ms. */
export function attemptError(type: ErrorType, at: number, message = `${type} failure`): JobErrorRecord {
  return { type, message, retryable: type !== "validation", status: null, at };
}

/** A job that failed for good after `attempts` attempts of `type` errors, ending at `failedAt` (ms). */
export function failedJob(type: ErrorType, failedAt: number, overrides: Partial<Job> = {}): Job {
  const errors = [1, 2, 3].map((n) => attemptError(type, failedAt - (3 - n) * 1000));
  return testJob({
    status: "failed",
    attempts: 3,
    error: errors[2] ?? null,
    attemptErrors: errors,
    createdAt: failedAt - 60_000,
    updatedAt: failedAt,
    startedAt: failedAt - 50_000,
    finishedAt: failedAt,
    ...overrides,
  });
}

/** Writes `jobs/{id}` directly, as though the API or the handler had. */
export async function seedJob(firestore: Firestore, job: Job): Promise<Job> {
  await firestore.collection("jobs").doc(job.id).set(encodeJob(job));
  return job;
}

/** Writes a failed job and its dead-letter entry, built by the same `deadLetterOf` the lifecycle uses. */
export async function seedDeadLetter(firestore: Firestore, job: Job, retentionMs = 7 * 86_400_000) {
  await seedJob(firestore, job);
  const entry = deadLetterOf(job, job.finishedAt ?? job.updatedAt, retentionMs);
  await deadLetterRef(firestore, job.id).set(encodeDeadLetter(entry));
  return job;
}

/** Writes `userSlots/{uid}_{k}` for `jobId`, taken at `acquiredAt` (ms). */
export async function seedSlot(firestore: Firestore, job: Job, slot: number, acquiredAt: number) {
  await slotRef(firestore, job.userId, slot).set({
    userId: job.userId,
    jobId: job.id,
    acquiredAt: Timestamp.fromMillis(acquiredAt),
  });
}

/** A one-image result (a 1×1 PNG), as the cache stores it. */
export const TINY_RESULT = {
  images: [{ base64: TINY_PNG, width: 1, height: 1, format: "png" }],
  usage: null,
};

/** Writes `cache/{key}` for `body`'s request, as though a generation had stored it `ttlMs` ago at most. */
export async function seedCachedResult(
  firestore: Firestore,
  body: { operation: string; input: unknown },
  result: unknown = TINY_RESULT,
  ttlMs = 86_400_000,
) {
  await firestore
    .collection("cache")
    .doc(cacheKeyOf(body))
    .set({
      result,
      createdAt: Timestamp.now(),
      expireAt: Timestamp.fromMillis(Date.now() + ttlMs),
      lastAccessedAt: Timestamp.now(),
      hits: 0,
    });
}
