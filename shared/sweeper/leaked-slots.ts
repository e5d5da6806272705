import { Timestamp, type DocumentSnapshot, type QueryDocumentSnapshot } from "@google-cloud/firestore";
import { isTerminal } from "../job-state.ts";
import { COLLECTIONS } from "../store/collections.ts";
import { decodeJob, JOB_ID } from "../store/job-document.ts";
import { releaseSlot } from "../store/user-slots.ts";
import { queryPages, tallyPage, type Tally } from "./paged-query.ts";
import type { SweepDeps } from "./sweep-deps.ts";

export type SlotFix = "released" | "kept";

/**
 * Frees per-user slots (`userSlots/{uid}_{k}`) that no active job holds: the job is missing (an
 * admission whose undo failed) or finished, or it holds another slot. Only slots older than
 * `config.sweepStaleMs` are looked at, because admission takes the slot before it writes the job
 * and an operator's replay takes it before requeueing: a young slot may belong to a job still
 * being written. `releaseSlot` deletes only if the slot still names the same job, so a slot re-taken
 * meanwhile is kept. Query: `acquiredAt < now - sweepStaleMs` (single-field index).
 */
export async function releaseLeakedSlots(deps: SweepDeps, now: number): Promise<Tally<SlotFix>> {
  const query = deps.firestore
    .collection(COLLECTIONS.userSlots)
    .where("acquiredAt", "<", Timestamp.fromMillis(now - deps.config.sweepStaleMs))
    .orderBy("acquiredAt");
  const tally: Tally<SlotFix> = {};
  for await (const page of queryPages(query)) {
    const jobs = await jobsNamedBy(deps, page);
    await tallyPage(
      tally,
      page,
      (slot) => releaseIfLeaked(deps, slot, jobs.get(slot.id)),
      (slot, err) => deps.logger.error({ err, slot: slot.id }, "sweeper: could not check a user slot"),
    );
  }
  return tally;
}

async function releaseIfLeaked(
  deps: SweepDeps,
  slot: QueryDocumentSnapshot,
  jobSnap: DocumentSnapshot | undefined,
) {
  const { userId, jobId } = slot.data();
  const k = Number(slot.id.slice(slot.id.lastIndexOf("_") + 1));
  if (typeof userId !== "string" || typeof jobId !== "string" || !Number.isInteger(k)) {
    throw new Error(`userSlots/${slot.id} is malformed`);
  }
  // A malformed job document throws here: its slot is kept (counted as an error), not guessed at.
  const job = jobSnap?.exists ? decodeJob(jobSnap.id, jobSnap.data()) : undefined;
  if (job !== undefined && !isTerminal(job.status) && job.slot === k) return "kept";
  await releaseSlot(deps.firestore, userId, k, jobId);
  deps.logger.warn({ jobId, userId, slot: k, jobStatus: job?.status }, "sweeper: released a leaked slot");
  return "released";
}

/** The job document each slot of the page names (by slot id), read in one round trip. */
async function jobsNamedBy(deps: SweepDeps, slots: QueryDocumentSnapshot[]) {
  const jobsRef = deps.firestore.collection(COLLECTIONS.jobs);
  const named = slots.filter((slot) => JOB_ID.test(String(slot.get("jobId"))));
  const snaps =
    named.length === 0
      ? []
      : await deps.firestore.getAll(...named.map((slot) => jobsRef.doc(slot.get("jobId") as string)));
  return new Map(snaps.map((snap, i) => [named[i]?.id ?? "", snap]));
}
