import type { Deps } from "../deps.ts";
import { applyChange } from "../lifecycle/apply-change.ts";
import { STAGE_PERCENT, type Progress, type ProgressStage } from "../progress.ts";

/** Fewest ms between two progress writes to one job document. @defaultValue 1_000 */
export const PROGRESS_WRITE_INTERVAL_MS = 1_000;

export interface ProgressReporter {
  /** Moves to a stage. Written when its second is up; never dropped, so listeners see every stage. */
  stage(stage: Exclude<ProgressStage, "queued" | "done">): Promise<void>;
  /** An intermediate percentage inside `generating`; dropped if a write happened less than a second ago. */
  percent(percent: number): void;
  /** Resolves once every accepted write is stored. */
  flush(): Promise<void>;
}

/**
 * Writes progress to the job at most once per second (Firestore sustains about one write per
 * second per document, and listeners gain nothing from more). Writes go through the lifecycle with
 * the lease id, so a handler that lost its lease cannot move someone else's job; `onLeaseLost` then
 * tells the attempt to stop.
 */
export function createProgressReporter(
  deps: Deps,
  jobId: string,
  leaseId: string,
  onLeaseLost: () => void,
): ProgressReporter {
  let lastWrite = deps.clock.now(); // the claim itself just wrote `dequeued`
  let current: Progress = { stage: "dequeued", percent: STAGE_PERCENT.dequeued };
  let chain: Promise<void> = Promise.resolve();

  const write = (progress: Progress): Promise<void> => {
    chain = chain.then(async () => {
      const wait = lastWrite + PROGRESS_WRITE_INTERVAL_MS - deps.clock.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastWrite = deps.clock.now();
      try {
        const result = await applyChange(deps, jobId, { type: "progress", leaseId, progress }, lastWrite);
        if (!result.ok && result.reason !== "illegal") onLeaseLost();
      } catch (error) {
        // Progress is advisory: a failed write must not fail the generation it describes.
        deps.logger.warn({ err: error, jobId, progress }, "progress not written");
      }
    });
    return chain;
  };

  return {
    stage(stage) {
      current = { stage, percent: Math.max(current.percent, STAGE_PERCENT[stage]) };
      return write(current);
    },
    percent(percent) {
      if (percent <= current.percent || deps.clock.now() - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
      current = { stage: "generating", percent };
      void write(current);
    },
    flush: () => chain,
  };
}
