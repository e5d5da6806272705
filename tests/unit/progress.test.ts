import { describe, expect, it } from "vitest";
import {
  PROGRESS_STAGES,
  STAGE_PERCENT,
  generatingPercent,
  isProgressStage,
  progressAt,
} from "../../shared/progress.ts";

describe("progress stages", () => {
  it.each([
    { stage: "queued", percent: 0 },
    { stage: "dequeued", percent: 5 },
    { stage: "generating", percent: 10 },
    { stage: "storing", percent: 90 },
    { stage: "done", percent: 100 },
  ] as const)("$stage starts at $percent%", ({ stage, percent }) => {
    expect(STAGE_PERCENT[stage]).toBe(percent);
    expect(progressAt(stage)).toEqual({ stage, percent });
  });

  it("lists the stages in order of their percentages", () => {
    expect(PROGRESS_STAGES).toEqual(["queued", "dequeued", "generating", "storing", "done"]);
    const percents = PROGRESS_STAGES.map((s) => STAGE_PERCENT[s]);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  });

  it.each([
    { value: "storing", expected: true },
    { value: "processing", expected: false },
    { value: "DONE", expected: false },
    { value: 90, expected: false },
    { value: undefined, expected: false },
  ])("isProgressStage($value) → $expected", ({ value, expected }) => {
    expect(isProgressStage(value)).toBe(expected);
  });
});

describe("generatingPercent", () => {
  it.each([
    { name: "just started", elapsedMs: 0, expectedMs: 10_000, percent: 10 },
    { name: "clock skew (negative elapsed)", elapsedMs: -500, expectedMs: 10_000, percent: 10 },
    { name: "half the expected time", elapsedMs: 5_000, expectedMs: 10_000, percent: 41 },
    { name: "the expected time", elapsedMs: 10_000, expectedMs: 10_000, percent: 59 },
    { name: "twice the expected time", elapsedMs: 20_000, expectedMs: 10_000, percent: 78 },
    { name: "far past the expected time", elapsedMs: 10_000_000, expectedMs: 10_000, percent: 89 },
    { name: "no expectation", elapsedMs: 123, expectedMs: 0, percent: 59 },
  ])("$name → $percent", ({ elapsedMs, expectedMs, percent }) => {
    expect(generatingPercent(elapsedMs, expectedMs)).toBe(percent);
  });

  it.each([{ expectedMs: 1_000 }, { expectedMs: 30_000 }])(
    "climbs monotonically inside [10, 89] (expected $expectedMs ms)",
    ({ expectedMs }) => {
      const values = Array.from({ length: 200 }, (_, i) =>
        generatingPercent(i * expectedMs * 0.05, expectedMs),
      );
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(Math.min(...values)).toBe(STAGE_PERCENT.generating);
      expect(Math.max(...values)).toBeLessThan(STAGE_PERCENT.storing);
      values.forEach((v) => expect(Number.isInteger(v)).toBe(true));
    },
  );
});
