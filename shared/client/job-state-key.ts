import { canonicalJson } from "../canonical-json.ts";
import type { JobView } from "../submission/job-view.ts";

/**
 * A string equal for two views of the same job state, whatever their key order: the listener builds
 * views from Firestore documents and polling decodes them from JSON, and switching transports must
 * not show the same state twice.
 */
export function jobStateKey(job: JobView): string {
  return canonicalJson(job);
}
