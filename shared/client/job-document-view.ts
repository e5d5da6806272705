import { LANES } from "../lanes.ts";
import { z } from "zod";
import { JOB_STATUSES } from "../job-state.ts";
import { PROGRESS_STAGES } from "../progress.ts";
import type { JobView } from "../submission/job-view.ts";
import { traceIdOf } from "../telemetry/trace-id.ts";

/**
 * Anything with `toMillis()`: the Firestore Timestamp of the web SDK, of the server SDK, or a test's
 * stand-in. Duck-typed so this converter stays free of any SDK.
 */
const timestamp = z.custom<{ toMillis(): number }>(
  (value) => typeof (value as { toMillis?: unknown } | null)?.toMillis === "function",
  "must be a Firestore Timestamp",
);
const isoTime = timestamp.transform((t) => new Date(t.toMillis()).toISOString());

/** The fields of `jobs/{id}` a client needs (see shared/store/job-document.ts); the rest is ignored. */
const jobDocument = z.object({
  operation: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.object({ percent: z.number(), stage: z.enum(PROGRESS_STAGES) }),
  attempts: z.number(),
  maxAttempts: z.number(),
  cached: z.boolean(),
  cancelRequested: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  nextAttemptAt: isoTime.nullable(),
  result: z
    .object({
      images: z.array(
        z.object({ base64: z.string(), width: z.number(), height: z.number(), format: z.literal("png") }),
      ),
      usage: z.record(z.string(), z.unknown()).nullable(),
    })
    .nullable(),
  error: z.object({ type: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
  // Absent on jobs made before tracing.
  traceparent: z.string().nullable().optional(),
  // Absent on jobs made before lanes.
  priority: z.enum(LANES).default("interactive"),
});

/**
 * A `jobs/{id}` document as a realtime listener sees it → the same {@link JobView} that
 * `GET /v1/jobs/{id}` answers, so a client cannot tell (nor need care) which transport it came by:
 * times as ISO strings, images with their `/v1/jobs/{id}/result?index=i` URL (relative to the API),
 * the result only once completed, the last error only while not completed. Throws on a malformed
 * document, naming the fields.
 */
export function jobDocumentToView(jobId: string, data: unknown): JobView {
  const parsed = jobDocument.safeParse(data);
  if (!parsed.success) throw new Error(`jobs/${jobId} is malformed: ${z.prettifyError(parsed.error)}`);
  const doc = parsed.data;
  const view: JobView = {
    jobId,
    operation: doc.operation,
    status: doc.status,
    progress: doc.progress,
    attempts: doc.attempts,
    maxAttempts: doc.maxAttempts,
    cached: doc.cached,
    cancelRequested: doc.cancelRequested,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
    nextAttemptAt: doc.nextAttemptAt,
    traceId: traceIdOf(doc.traceparent),
    priority: doc.priority,
  };
  if (doc.status === "completed" && doc.result !== null) {
    view.result = {
      images: doc.result.images.map((image, index) => ({
        ...image,
        url: `/v1/jobs/${jobId}/result?index=${index}`,
      })),
      usage: doc.result.usage,
    };
  }
  if (doc.error !== null && doc.status !== "completed") {
    view.error = { type: doc.error.type, message: doc.error.message, retryable: doc.error.retryable };
  }
  return view;
}
