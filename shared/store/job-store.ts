import { FieldPath, Timestamp, type Firestore } from "@google-cloud/firestore";
import { ACTIVE_STATUSES } from "../job-state.ts";
import { COLLECTIONS } from "./collections.ts";
import { decodeJob, encodeJob, type Job } from "./job-document.ts";
import { decodePageCursor, encodePageCursor } from "./page-cursor.ts";

/** A job and the version its document had when read (Firestore's update time, in ns), for ETags. */
export interface VersionedJob {
  job: Job;
  version: string;
}

const jobs = (firestore: Firestore) => firestore.collection(COLLECTIONS.jobs);

function versionOf(updateTime: Timestamp | undefined): string {
  if (updateTime === undefined) return "0";
  return `${updateTime.seconds}${String(updateTime.nanoseconds).padStart(9, "0")}`;
}

/** One read. */
export async function getJob(firestore: Firestore, jobId: string): Promise<VersionedJob | undefined> {
  const snap = await jobs(firestore).doc(jobId).get();
  if (!snap.exists) return undefined;
  return { job: decodeJob(snap.id, snap.data()), version: versionOf(snap.updateTime) };
}

/** One write; fails if the id is taken. */
export async function createJob(firestore: Firestore, job: Job): Promise<string> {
  const result = await jobs(firestore).doc(job.id).create(encodeJob(job));
  return versionOf(result.writeTime);
}

/** Removes a job whose admission is being undone (it was never visible as accepted). */
export async function deleteJob(firestore: Firestore, jobId: string): Promise<void> {
  await jobs(firestore).doc(jobId).delete();
}

/** Queued plus processing jobs of all users: one aggregation read per 1,000 index entries. */
export async function countActiveJobs(firestore: Firestore): Promise<number> {
  const snap = await jobs(firestore)
    .where("status", "in", [...ACTIVE_STATUSES])
    .count()
    .get();
  return snap.data().count;
}

/** A page of one user's jobs, newest first. `cursor` is opaque to clients. */
export async function listUserJobs(
  firestore: Firestore,
  userId: string,
  options: { status?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ jobs: Job[]; nextCursor: string | null }> {
  let query = jobs(firestore).where("userId", "==", userId);
  if (options.status !== undefined) query = query.where("status", "==", options.status);
  query = query.orderBy("createdAt", "desc").orderBy(FieldPath.documentId(), "desc");
  const after = decodePageCursor(options.cursor);
  if (after !== undefined) query = query.startAfter(Timestamp.fromMillis(after.atMs), after.id);
  const snap = await query.limit(options.limit + 1).get();
  const page = snap.docs.slice(0, options.limit).map((d) => decodeJob(d.id, d.data()));
  const last = page.at(-1);
  const nextCursor =
    snap.docs.length > options.limit && last !== undefined
      ? encodePageCursor({ atMs: last.createdAt, id: last.id })
      : null;
  return { jobs: page, nextCursor };
}

/**
 * Resolves with the job once its document's version differs from `sinceVersion`, or undefined when
 * `timeoutMs` passes first. Uses a realtime listener, so nothing polls Firestore meanwhile.
 */
export function waitForJobChange(
  firestore: Firestore,
  jobId: string,
  sinceVersion: string,
  timeoutMs: number,
): Promise<VersionedJob | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (value: VersionedJob | undefined, error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const unsubscribe = jobs(firestore)
      .doc(jobId)
      .onSnapshot(
        (snap) => {
          if (!snap.exists) return;
          const version = versionOf(snap.updateTime);
          if (version !== sinceVersion) finish({ job: decodeJob(snap.id, snap.data()), version });
        },
        (error) => finish(undefined, error),
      );
  });
}
