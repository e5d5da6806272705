import { z } from "zod";
import { LANES } from "../lanes.ts";
import { JOB_ID, jobJson } from "../store/job-document.ts";

/** The body of a generation task, as `TaskScheduler.enqueue` writes it. */
export const taskPayload = z
  .strictObject({
    jobId: z.string().regex(JOB_ID),
    /** The attempt this task was created for (1 = first). */
    attempt: z.int().min(1),
    /** The job's task-name generation (bumped by dead-letter replays and sweeper rescues). @defaultValue 0 */
    run: z.int().min(0).default(0),
    /** The lane whose queue carried the task (`lanes.ts`). @defaultValue "interactive" (tasks made before lanes) */
    lane: z.enum(LANES).default("interactive"),
    /**
     * The job as the write that queued it left it, with that write's version (nanoseconds since the
     * epoch, as a decimal string): the claim commits against it without reading (see `nextTask`).
     */
    known: z.strictObject({ version: z.string().regex(/^\d{1,30}$/), job: jobJson }).optional(),
  })
  .refine((p) => p.known === undefined || p.known.job.id === p.jobId, {
    message: "known.job.id must be the task's jobId",
    path: ["known", "job", "id"],
  });

export type TaskPayload = z.output<typeof taskPayload>;
