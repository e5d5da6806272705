import type { DocumentData, Firestore } from "@google-cloud/firestore";
import { isDeepStrictEqual } from "node:util";
import type { DecideResult } from "../lifecycle/job-change.ts";
import { COLLECTIONS } from "./collections.ts";
import { deadLetterRef, encodeDeadLetter } from "./dead-letters.ts";
import { decodeJob, encodeJob, type Job } from "./job-document.ts";
import type { ApplyOutcome } from "./job-store.ts";
import { slotRef } from "./user-slots.ts";

/**
 * Applies one lifecycle decision to `jobs/{jobId}` in a Firestore transaction: reads the job (and
 * the slot the decision frees, since transactions read before they write), lets `decide` choose,
 * then writes only the job fields that changed, the slot deletion, and the dead-letter entry.
 * Reads 1-2 documents, writes 1-3. A refused decision writes nothing.
 */
export async function applyDecision(
  firestore: Firestore,
  jobId: string,
  decide: (job: Job) => DecideResult,
): Promise<ApplyOutcome> {
  const ref = firestore.collection(COLLECTIONS.jobs).doc(jobId);
  return firestore.runTransaction(async (tx): Promise<ApplyOutcome> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { ok: false, reason: "missing", message: `jobs/${jobId} does not exist` };
    const job = decodeJob(snap.id, snap.data());
    const result = decide(job);
    if (!result.ok) return { ok: false, reason: result.reason, message: result.message, job };
    const { decision } = result;
    const slot = decision.freeSlot === null ? undefined : slotRef(firestore, job.userId, decision.freeSlot);
    const slotSnap = slot === undefined ? undefined : await tx.get(slot);
    tx.update(ref, changedFields(job, decision.job));
    if (slot !== undefined && slotSnap?.exists === true && slotSnap.get("jobId") === job.id) tx.delete(slot);
    if (decision.deadLetter !== null) {
      tx.set(deadLetterRef(firestore, job.id), encodeDeadLetter(decision.deadLetter));
    }
    if (decision.dropDeadLetter) tx.delete(deadLetterRef(firestore, job.id));
    return { ok: true, before: job, decision };
  });
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
