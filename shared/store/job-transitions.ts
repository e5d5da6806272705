import type { DocumentData, Firestore, Transaction } from "@google-cloud/firestore";
import { isTerminal, transition, type JobEvent, type RejectReason } from "../job-state.ts";
import { COLLECTIONS } from "./collections.ts";
import { decodeJob, encodeState, type Job } from "./job-document.ts";
import { prepareSlotRelease } from "./user-slots.ts";

/** What to do to a job, decided from the job as read inside the transaction. */
export interface TransitionPlan {
  event: JobEvent;
  /** Fields written beside the new state (result, pixellabJobId, attemptErrors, slot, run, ...). */
  fields?: DocumentData;
  /** Further writes in the same transaction (a dead-letter entry), given the job after the move. */
  also?: (tx: Transaction, after: Job) => void;
}

export type TransitionOutcome =
  | { ok: true; before: Job; after: Job }
  | { ok: false; reason: RejectReason | "missing" | "skipped"; message: string; job?: Job };

/**
 * Applies one state-machine event to `jobs/{jobId}` in a Firestore transaction: reads the job,
 * lets `plan` choose the event (or skip), checks it with the pure `transition`, and writes the new
 * state. A move into a terminal status also frees the user's slot (`userSlots/{uid}_{k}`) in the same
 * transaction, so a slot can never outlive its job. Reads 1-2 documents, writes 1-3.
 */
export async function transitionJob(
  firestore: Firestore,
  jobId: string,
  now: number,
  plan: (job: Job) => TransitionPlan | undefined,
): Promise<TransitionOutcome> {
  const ref = firestore.collection(COLLECTIONS.jobs).doc(jobId);
  return firestore.runTransaction(async (tx): Promise<TransitionOutcome> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { ok: false, reason: "missing", message: `jobs/${jobId} does not exist` };
    const job = decodeJob(snap.id, snap.data());
    const chosen = plan(job);
    if (chosen === undefined) return { ok: false, reason: "skipped", message: "nothing to do", job };
    const next = transition(job, chosen.event, now);
    if (!next.ok) return { ok: false, reason: next.reason, message: next.message, job };
    const terminal = isTerminal(next.state.status);
    // Transactions read before they write: look at the slot first.
    const release = terminal
      ? await prepareSlotRelease(tx, firestore, job.userId, job.slot, job.id)
      : undefined;
    const fields = { ...encodeState(next.state, now), ...(terminal && { slot: null }), ...chosen.fields };
    release?.();
    tx.update(ref, fields);
    const after: Job = { ...job, ...next.state, ...(terminal && { slot: null }), updatedAt: now };
    chosen.also?.(tx, after);
    return { ok: true, before: job, after };
  });
}
