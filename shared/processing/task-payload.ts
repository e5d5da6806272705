import { z } from "zod";

/** The body of a generation task, as `TaskScheduler.enqueue` writes it. */
export const taskPayload = z.strictObject({
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  /** The attempt this task was created for (1 = first). */
  attempt: z.int().min(1),
  /** Dead-letter replays before this task. @defaultValue 0 */
  run: z.int().min(0).default(0),
});

export type TaskPayload = z.output<typeof taskPayload>;
