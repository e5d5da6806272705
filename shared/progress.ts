/**
 * Progress stages a client sees, in order, with the percentage each one starts at. Between
 * `generating` (10) and `storing` (90) the handler may report intermediate values while a PixelLab
 * background job is polled.
 */
export const PROGRESS_STAGES = ["queued", "dequeued", "generating", "storing", "done"] as const;
export type ProgressStage = (typeof PROGRESS_STAGES)[number];

export const STAGE_PERCENT: Readonly<Record<ProgressStage, number>> = {
  queued: 0,
  dequeued: 5,
  generating: 10,
  storing: 90,
  done: 100,
};

export interface Progress {
  /** 0..100 */
  percent: number;
  stage: ProgressStage;
}

export function progressAt(stage: ProgressStage): Progress {
  return { percent: STAGE_PERCENT[stage], stage };
}

export function isProgressStage(value: unknown): value is ProgressStage {
  return typeof value === "string" && (PROGRESS_STAGES as readonly string[]).includes(value);
}

/**
 * A percentage inside the `generating` stage for a background job that has run `elapsedMs` of an
 * expected `expectedMs`: it climbs from 10 towards 89 and never reaches `storing` (90) on its own,
 * since the upstream may take longer than expected.
 */
export function generatingPercent(elapsedMs: number, expectedMs: number): number {
  const start = STAGE_PERCENT.generating;
  const span = STAGE_PERCENT.storing - start - 1;
  const fraction = expectedMs > 0 ? Math.max(0, elapsedMs) / expectedMs : 1;
  // 1 − e^(−x) approaches 1 smoothly: steady early movement, no false "almost done" when late.
  return start + Math.floor(span * (1 - Math.exp(-fraction)));
}
