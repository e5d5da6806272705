import type { Logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import { STAGE_PERCENT, type Progress, type ProgressStage } from "../progress.ts";
import type { HeldJob } from "./held-job.ts";

/**
 * Fewest ms between two writes of the attempt to its job document, progress or not: Firestore
 * sustains about one write per second per document, and listeners gain nothing from more.
 * @defaultValue 1_000
 */
export const PROGRESS_WRITE_INTERVAL_MS = 1_000;

/**
 * How long a report must stand before it is written, in ms: a stage the work leaves sooner (the
 * storing of a result, a moment before the terminal write) is not worth a write, nor a delay of the
 * terminal write behind it. @defaultValue 250
 */
export const PROGRESS_DWELL_MS = 250;

export interface ProgressReporter {
  /** Moves to a stage; written when a write is next due, unless something newer replaces it first. */
  stage(stage: Exclude<ProgressStage, "queued" | "done">): void;
  /** An intermediate percentage inside `generating`; the latest one wins. */
  percent(percent: number): void;
  /** Drops what is not written yet and resolves once a write in flight is stored. */
  close(): Promise<void>;
}

/**
 * Progress that never delays the work it describes. Writes are coalesced: a report waits until a
 * second has passed since the attempt's last write to the job and it has stood for
 * {@link PROGRESS_DWELL_MS}, and a report superseded before then is merged into the next (only the
 * newest stage and percentage go out). When the work ends first,
 * nothing is written at all and the terminal write goes out at once, so an attempt as fast as its
 * PixelLab call costs no progress writes; a long one shows each stage that lasts a second or more.
 * Writes go through the held job (the lease id is checked), and a failed write is only logged.
 */
export function createProgressReporter(
  held: HeldJob,
  leaseId: string,
  clock: Clock,
  logger: Logger,
): ProgressReporter {
  let wanted: Progress = held.current().progress;
  let written: Progress = wanted;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;
  let writing = false;
  let wantedAt = clock.now();

  const writeNow = () => {
    timer = undefined;
    if (closed || same(wanted, written)) return;
    // A newer report came after this write was planned: it must stand its own dwell first.
    if (clock.now() < wantedAt + PROGRESS_DWELL_MS) return schedule();
    const progress = wanted;
    writing = true;
    inFlight = held
      .apply({ type: "progress", leaseId, progress })
      .then((outcome) => {
        if (outcome.ok) written = progress;
      })
      .catch((error: unknown) => {
        // Progress is advisory: a failed write must not fail the generation it describes.
        logger.warn({ err: error, progress }, "progress not written");
      })
      .then(() => {
        writing = false;
        schedule(); // something newer may have arrived meanwhile
      });
  };
  const schedule = () => {
    if (closed || writing || timer !== undefined || same(wanted, written)) return;
    const due = Math.max(held.lastWriteAt() + PROGRESS_WRITE_INTERVAL_MS, wantedAt + PROGRESS_DWELL_MS);
    const wait = due - clock.now();
    timer = setTimeout(writeNow, Math.max(0, wait));
  };

  return {
    stage(stage) {
      wanted = { stage, percent: Math.max(wanted.percent, STAGE_PERCENT[stage]) };
      wantedAt = clock.now();
      schedule();
    },
    percent(percent) {
      if (percent <= wanted.percent || wanted.stage !== "generating") return;
      wanted = { stage: "generating", percent };
      wantedAt = clock.now();
      schedule();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

const same = (a: Progress, b: Progress) => a.stage === b.stage && a.percent === b.percent;
