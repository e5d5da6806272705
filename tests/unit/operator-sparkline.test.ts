import { describe, expect, it } from "vitest";
import { appendSample, sparklinePoints, SPARKLINE } from "../../shared/web/gauge-history.ts";

/** The (x, y) pairs of a polyline's `points`. */
const pairs = (points: string) => points.split(" ").map((p) => p.split(",").map(Number));
const left = SPARKLINE.padding;
const right = SPARKLINE.width - SPARKLINE.padding;
const top = SPARKLINE.padding;
const bottom = SPARKLINE.height - SPARKLINE.padding;

describe("appendSample", () => {
  it.each([
    { name: "grows below the capacity", history: [1], capacity: 3, expected: [1, 9] },
    { name: "fills up to the capacity", history: [1, 2], capacity: 3, expected: [1, 2, 9] },
    { name: "drops the oldest beyond it", history: [1, 2, 3], capacity: 3, expected: [2, 3, 9] },
    { name: "starts from nothing", history: [], capacity: 3, expected: [9] },
  ])("$name", ({ history, capacity, expected }) => {
    const before = [...history];
    expect(appendSample(history, 9, capacity)).toEqual(expected);
    expect(history).toEqual(before);
  });
});

describe("sparklinePoints", () => {
  it.each([
    { name: "nothing without samples", values: [], expected: [] },
    {
      name: "one sample as a flat line across",
      values: [5],
      expected: [
        [left, top],
        [right, top],
      ],
    },
    {
      name: "the largest at the top, zero at the bottom, across the whole width",
      values: [0, 4, 2],
      expected: [
        [left, bottom],
        [SPARKLINE.width / 2, top],
        [right, (top + bottom) / 2],
      ],
    },
    {
      name: "a flat zero on the bottom (no division by zero)",
      values: [0, 0],
      expected: [
        [left, bottom],
        [right, bottom],
      ],
    },
    {
      name: "negative values clamped to zero",
      values: [-3, 1],
      expected: [
        [left, bottom],
        [right, top],
      ],
    },
  ])("draws $name", ({ values, expected }) => {
    const points = sparklinePoints(values);
    expect(points === "" ? [] : pairs(points)).toEqual(expected);
  });
});
