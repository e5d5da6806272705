import type { DocumentSnapshot, Firestore } from "@google-cloud/firestore";
import { COLLECTIONS } from "../../../shared/store/collections.ts";
import { estimatedBytes } from "../../../shared/store/job-document.ts";
import { PATHS, type PathName, type SubmissionCost } from "./accounting.ts";

/** Jobs read back per path to estimate sizes: enough for an average, cheap for the emulator. */
const SAMPLE = 100;

/**
 * Bytes one job keeps stored on each path, estimated as Firestore counts them (the document name,
 * the fields, 32 bytes of overhead): its job document, plus, for a generating job, the cache entry
 * its result was stored under. A dedup answer or a refusal stores no document of its own.
 */
export async function storedBytesPerJob(
  firestore: Firestore,
  costs: readonly SubmissionCost[],
): Promise<Record<PathName, number>> {
  const result = Object.fromEntries(PATHS.map((p) => [p, 0])) as Record<PathName, number>;
  for (const path of ["cacheMiss", "singleFlight", "cacheHit"] as const) {
    const ids = [...new Set(costs.filter((c) => c.path === path).map((c) => c.record.jobId as string))];
    const jobs = await getAll(firestore, COLLECTIONS.jobs, ids.slice(0, SAMPLE));
    if (jobs.length === 0) continue;
    let bytes = jobs.reduce((sum, snap) => sum + documentBytes(snap), 0) / jobs.length;
    if (path === "cacheMiss") {
      const keys = [...new Set(jobs.map((snap) => String(snap.get("cacheKey"))))];
      const entries = await getAll(firestore, COLLECTIONS.cache, keys);
      // Each generating job stores its request's entry once; repeats of the request share it.
      if (entries.length > 0)
        bytes += entries.reduce((sum, snap) => sum + documentBytes(snap), 0) / jobs.length;
    }
    result[path] = Math.round(bytes);
  }
  return result;
}

async function getAll(firestore: Firestore, collection: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const snaps = await firestore.getAll(...ids.map((id) => firestore.collection(collection).doc(id)));
  return snaps.filter((snap) => snap.exists);
}

/** Firestore's storage size of a document: name (each segment + 1, + 16), fields, + 32. */
function documentBytes(snap: DocumentSnapshot): number {
  const name = snap.ref.path.split("/").reduce((sum, part) => sum + Buffer.byteLength(part) + 1, 16);
  return name + estimatedBytes(snap.data()) + 32;
}
