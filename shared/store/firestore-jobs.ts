import { FieldPath, Timestamp, type Firestore } from "@google-cloud/firestore";
import { ACTIVE_STATUSES } from "../job-state.ts";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";
import { decodeJob, encodeJob } from "./job-document.ts";
import { AlreadyExistsError, type JobStore, type VersionedJob } from "./job-store.ts";
import { countReads, queryReads, type OpMeter } from "./op-meter.ts";
import { decodePageCursor, encodePageCursor } from "./page-cursor.ts";

/** A document's version: Firestore's update time in ns, as a decimal string. */
export function versionOf(updateTime: Timestamp | undefined): string {
  if (updateTime === undefined) return "0";
  return `${updateTime.seconds}${String(updateTime.nanoseconds).padStart(9, "0")}`;
}

type JobReads = Pick<
  JobStore,
  "getJob" | "createJob" | "deleteJob" | "countActiveJobs" | "listUserJobs" | "waitForJobChange" | "watchJob"
>;

/** `jobs/{jobId}` in Firestore: reads, creation, listing and listeners. */
export function firestoreJobs(firestore: Firestore, meter: OpMeter): JobReads {
  const jobs = firestore.collection(COLLECTIONS.jobs);
  return {
    // One read.
    async getJob(jobId) {
      const snap = await jobs.doc(jobId).get();
      meter.read();
      if (!snap.exists) return undefined;
      return { job: decodeJob(snap.id, snap.data()), version: versionOf(snap.updateTime) };
    },
    // One write; fails if the id is taken.
    async createJob(job) {
      try {
        const result = await jobs.doc(job.id).create(encodeJob(job));
        meter.write();
        return versionOf(result.writeTime);
      } catch (error) {
        if (isAlreadyExists(error)) throw new AlreadyExistsError(`jobs/${job.id} exists`);
        throw error;
      }
    },
    async deleteJob(jobId) {
      await jobs.doc(jobId).delete();
      meter.delete();
    },
    // One aggregation read per 1,000 index entries.
    async countActiveJobs() {
      const snap = await jobs
        .where("status", "in", [...ACTIVE_STATUSES])
        .count()
        .get();
      meter.read(countReads(snap.data().count));
      return snap.data().count;
    },
    async listUserJobs(userId, options) {
      let query = jobs.where("userId", "==", userId);
      if (options.status !== undefined) query = query.where("status", "==", options.status);
      query = query.orderBy("createdAt", "desc").orderBy(FieldPath.documentId(), "desc");
      const after = decodePageCursor(options.cursor);
      if (after !== undefined) query = query.startAfter(Timestamp.fromMillis(after.atMs), after.id);
      const snap = await query.limit(options.limit + 1).get();
      meter.read(queryReads(snap.size));
      const page = snap.docs.slice(0, options.limit).map((d) => decodeJob(d.id, d.data()));
      const last = page.at(-1);
      const nextCursor =
        snap.docs.length > options.limit && last !== undefined
          ? encodePageCursor({ atMs: last.createdAt, id: last.id })
          : null;
      return { jobs: page, nextCursor };
    },
    waitForJobChange(jobId, sinceVersion, timeoutMs) {
      return waitForChange(firestore, meter, jobId, sinceVersion, timeoutMs);
    },
    watchJob(jobId, onChange) {
      return jobs.doc(jobId).onSnapshot(
        (snap) => (meter.read(), onChange(snap.exists ? decodeJob(snap.id, snap.data()) : undefined)),
        () => undefined, // a broken listener only loses early notice; the writes check again
      );
    },
  };
}

/** Resolves on the first version other than `sinceVersion`, through a listener (no polling). */
function waitForChange(
  firestore: Firestore,
  meter: OpMeter,
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
    const unsubscribe = firestore
      .collection(COLLECTIONS.jobs)
      .doc(jobId)
      .onSnapshot(
        (snap) => {
          meter.read(); // a listener is billed one read per snapshot it receives
          if (!snap.exists) return;
          const version = versionOf(snap.updateTime);
          if (version !== sinceVersion) finish({ job: decodeJob(snap.id, snap.data()), version });
        },
        (error) => finish(undefined, error),
      );
  });
}
