import { Timestamp, type DocumentData, type Firestore } from "@google-cloud/firestore";
import { isDeepStrictEqual } from "node:util";
import type { DecideResult, Decision } from "../lifecycle/job-change.ts";
import { COLLECTIONS } from "./collections.ts";
import { deadLetterRef, encodeDeadLetter } from "./dead-letters.ts";
import { isPreconditionFailed } from "./firestore-errors.ts";
import { versionOf } from "./firestore-jobs.ts";
import { decodeJob, encodeJob, type Job } from "./job-document.ts";
import type { ApplyOutcome, VersionedJob } from "./job-store.ts";
import type { OpMeter } from "./op-meter.ts";
import { settleSpendIn } from "./spend-ledger.ts";
import { slotRef } from "./user-slots.ts";

/**
 * Reads before giving up on a job that changes under every try; each try is one read and one
 * commit, so only a storm of writers on one job gets here. @defaultValue 8
 */
const MAX_TRIES = 8;

/**
 * Applies one lifecycle decision to `jobs/{jobId}` as a compare-and-set: read the job with its
 * update time (or take `known`, the job as this caller last wrote or read it, and skip the read),
 * let `decide` choose, then commit the changed job fields, the slot deletion and the dead-letter
 * entry in one atomic batch that holds only if the job was not written since. If it was, read again
 * and decide again. No lock is held, so a handler's writes never queue behind a reader, and an
 * attempt that knows its job's version writes its progress and its result without reading first.
 *
 * Operations: 0 reads with a current `known`, else 1 per try; writes 1 (job) + 1 when a slot is
 * freed (a delete) + 1 per dead-letter entry written or dropped + 1 when the job is charged against
 * a spend budget. A refusal writes nothing.
 *
 * The freed slot is deleted without reading it: a job's `slot` field always names a slot document
 * that names the job, because only the job's own decisions (which null the field in the same
 * commit) and the admission's undo (which deletes the job first) ever free it.
 */
export async function applyDecision(
  firestore: Firestore,
  meter: OpMeter,
  jobId: string,
  decide: (job: Job) => DecideResult,
  known?: VersionedJob,
): Promise<ApplyOutcome> {
  const ref = firestore.collection(COLLECTIONS.jobs).doc(jobId);
  let seen = known;
  for (let tries = 1; ; tries++) {
    const fresh = seen === undefined;
    seen ??= await readJob(ref, meter);
    if (seen === undefined) return { ok: false, reason: "missing", message: `jobs/${jobId} does not exist` };
    const result = decide(seen.job);
    if (!result.ok) {
      // A refusal is only believed on what is stored now, never on a remembered version.
      if (!fresh) {
        seen = undefined;
        continue;
      }
      return {
        ok: false,
        reason: result.reason,
        message: result.message,
        job: seen.job,
        version: seen.version,
      };
    }
    try {
      const version = await commit(firestore, meter, seen, result.decision);
      return { ok: true, before: seen.job, decision: result.decision, version };
    } catch (error) {
      if (!isPreconditionFailed(error) || tries >= MAX_TRIES) throw error;
      seen = undefined;
    }
  }
}

async function readJob(
  ref: FirebaseFirestore.DocumentReference,
  meter: OpMeter,
): Promise<VersionedJob | undefined> {
  const snap = await ref.get();
  meter.read();
  if (!snap.exists) return undefined;
  return { job: decodeJob(snap.id, snap.data()), version: versionOf(snap.updateTime) };
}

/** One atomic batch, conditional on the job's update time; returns the job's new version. */
async function commit(firestore: Firestore, meter: OpMeter, seen: VersionedJob, decision: Decision) {
  const { job } = seen;
  const batch = firestore.batch();
  const ref = firestore.collection(COLLECTIONS.jobs).doc(job.id);
  const fields = changedFields(job, decision.job);
  // An empty update is not allowed; rewriting `updatedAt` still checks the precondition.
  if (Object.keys(fields).length === 0) fields.updatedAt = Timestamp.fromMillis(decision.job.updatedAt);
  batch.update(ref, fields, { lastUpdateTime: timestampOf(seen.version) });
  let writes = 1;
  let deletes = 0;
  if (decision.freeSlot !== null) {
    batch.delete(slotRef(firestore, job.userId, decision.freeSlot));
    deletes++;
  }
  if (decision.deadLetter !== null) {
    batch.set(deadLetterRef(firestore, job.id), encodeDeadLetter(decision.deadLetter));
    writes++;
  }
  writes += settleSpendIn(batch, firestore, job.userId, job.id, job.spend, decision.job.spend);
  if (decision.dropDeadLetter) {
    batch.delete(deadLetterRef(firestore, job.id));
    deletes++;
  }
  const results = await batch.commit();
  meter.write(writes);
  meter.delete(deletes);
  return versionOf(results[0]?.writeTime);
}

/** The inverse of {@link versionOf}: nanoseconds since the epoch as a decimal string. */
function timestampOf(version: string): Timestamp {
  const seconds = Number(version.slice(0, -9) || "0");
  const nanos = Number(version.slice(-9));
  return new Timestamp(seconds, nanos);
}

/** The stored fields that differ between two versions of a job (a job's input can be ~1 MB). */
function changedFields(before: Job, after: Job): DocumentData {
  const old = encodeJob(before);
  const next = encodeJob(after);
  const fields: DocumentData = {};
  for (const [key, value] of Object.entries(next)) {
    if (!isDeepStrictEqual(old[key], value)) fields[key] = value;
  }
  return fields;
}
