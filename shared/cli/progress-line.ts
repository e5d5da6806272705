import type { JobView } from "../submission/job-view.ts";

/** Width of the bar between the brackets, in characters. */
const BAR_WIDTH = 24;

/** One line for a job's state, e.g. `[############------------]  50% generating (attempt 1/3)`. */
export function renderProgress(job: JobView): string {
  const percent = Math.max(0, Math.min(100, Math.round(job.progress.percent)));
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const stage = job.status === "queued" || job.status === "processing" ? job.progress.stage : job.status;
  const attempt = job.attempts > 0 ? ` (attempt ${job.attempts}/${job.maxAttempts})` : "";
  const retry =
    job.status === "queued" && job.error !== undefined ? `, retrying after ${job.error.type}` : "";
  // Why it waits, when the API said (its views over HTTP carry it; a listener's do not).
  const why = job.status === "queued" && job.waiting !== undefined ? ` · ${job.waiting.message}` : retry;
  return `${bar} ${String(percent).padStart(3)}% ${stage}${attempt}${why}`;
}

/** Where progress goes: stderr, or anything with `write` and an optional `isTTY`. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Shows each state once. On a terminal the line is redrawn in place (`\r`, then erase to the end of
 * the line); elsewhere (a pipe, a CI log) each change is a line of its own, so logs stay readable.
 */
export function progressReporter(stream: ProgressStream) {
  let last = "";
  let drawn = false;
  return {
    show(job: JobView): void {
      const line = renderProgress(job);
      if (line === last) return;
      last = line;
      if (stream.isTTY === true) {
        stream.write(`\r${line}\x1b[K`);
        drawn = true;
      } else {
        stream.write(`${line}\n`);
      }
    },
    /** Ends a redrawn line, so what is printed next starts on a line of its own. */
    finish(): void {
      if (drawn) stream.write("\n");
      drawn = false;
    },
  };
}
