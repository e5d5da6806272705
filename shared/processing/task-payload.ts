import { z } from "zod";
import { JOB_ID } from "../store/job-document.ts";

/** The body of a generation task, as `TaskScheduler.enqueue` writes it. */
export const taskPayload = z.strictObject({
  jobId: z.string().regex(JOB_ID),
  /** The attempt this task was created for (1 = first). */
  attempt: z.int().min(1),
  /** The job's task-name generation (bumped by dead-letter replays and sweeper rescues). @defaultValue 0 */
  run: z.int().min(0).default(0),
});

export type TaskPayload = z.output<typeof taskPayload>;
