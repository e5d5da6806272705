import { COLLECTIONS } from "../../../shared/store/collections.ts";
import { traceIdOf } from "../../../shared/telemetry/trace-id.ts";
import { STACK_PROJECT } from "../stack/stack-env.ts";

/** How long to wait for the emulator, in ms: a stack that is not running must not hold up the CLI. */
const LOOKUP_TIMEOUT_MS = 1_500;

export type JobTraceLookup =
  | { found: "trace"; traceId: string }
  | { found: "job-without-trace" }
  | { found: "no-job" }
  | { found: "unreachable"; reason: string };

/**
 * The trace id stored on `jobs/{jobId}` (its `traceparent`), read from the local stack's Firestore
 * emulator over its REST API. `Bearer owner` is the emulator's admin credential: it passes the
 * security rules, as the server SDK does. Never throws; an emulator that is not running is a result.
 */
export async function lookUpJobTrace(firestoreHost: string, jobId: string): Promise<JobTraceLookup> {
  const url =
    `http://${firestoreHost}/v1/projects/${STACK_PROJECT}/databases/(default)/documents/` +
    `${COLLECTIONS.jobs}/${encodeURIComponent(jobId)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: "Bearer owner" },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
  } catch (error) {
    return { found: "unreachable", reason: (error as Error).message };
  }
  if (response.status === 404) return { found: "no-job" };
  if (!response.ok) return { found: "unreachable", reason: `HTTP ${response.status}` };
  const document = (await response.json().catch(() => undefined)) as
    { fields?: { traceparent?: { stringValue?: unknown } } } | undefined;
  const value = document?.fields?.traceparent?.stringValue;
  const traceId = traceIdOf(typeof value === "string" ? value : undefined);
  return traceId === null ? { found: "job-without-trace" } : { found: "trace", traceId };
}
