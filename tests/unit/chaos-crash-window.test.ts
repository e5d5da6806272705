import { describe, expect, it } from "vitest";
import { killGaps, lostToKills, type Kill } from "../tools/chaos/crash-window.ts";

/** A kill at `at` ms whose next instance was up `downMs` later. */
const kill = (at: number, downMs = 1_000): Kill => ({ at, upAt: at + downMs });

describe("lostToKills: which doubles the crash window explains", () => {
  it.each([
    { name: "no extra generation", generatedAt: [100], extra: 0, kills: [kill(150)], expected: false },
    { name: "a double with no kill", generatedAt: [100, 5_000], extra: 1, kills: [], expected: false },
    {
      name: "killed after the answer, before the next generation",
      generatedAt: [100, 5_000],
      extra: 1,
      kills: [kill(102)],
      expected: true,
    },
    {
      name: "killed with the call in flight: answered while no instance was up",
      generatedAt: [120, 5_000],
      extra: 1,
      kills: [kill(100, 500)],
      expected: true,
    },
    {
      name: "answered after the next instance was up: a live instance paid, not the dead one",
      generatedAt: [700, 5_000],
      extra: 1,
      kills: [kill(100, 500)],
      expected: false,
    },
    {
      name: "a kill only after both generations",
      generatedAt: [100, 5_000],
      extra: 1,
      kills: [kill(6_000)],
      expected: false,
    },
    {
      name: "three generations, only the first explained",
      generatedAt: [100, 2_000, 5_000],
      extra: 2,
      kills: [kill(150)],
      expected: false,
    },
    {
      name: "three generations, each followed by a kill",
      generatedAt: [100, 2_000, 5_000],
      extra: 2,
      kills: [kill(150), kill(1_990, 100)],
      expected: true,
    },
    {
      name: "more extra generations than there are gaps",
      generatedAt: [100],
      extra: 1,
      kills: [kill(150)],
      expected: false,
    },
  ])("$name", ({ generatedAt, extra, kills, expected }) => {
    expect(lostToKills(generatedAt, extra, kills)).toBe(expected);
  });
});

describe("killGaps: the window's size per explained generation", () => {
  it.each([
    { name: "a kill after the answer", generatedAt: [100, 5_000], kills: [kill(130)], expected: [30] },
    { name: "a kill before, call in flight", generatedAt: [120, 5_000], kills: [kill(100)], expected: [-20] },
    {
      name: "the nearest of two explaining kills",
      generatedAt: [100, 5_000],
      kills: [kill(90, 50), kill(400)],
      expected: [-10],
    },
    { name: "no explaining kill", generatedAt: [100, 5_000], kills: [kill(6_000)], expected: [Number.NaN] },
  ])("$name", ({ generatedAt, kills, expected }) => {
    expect(killGaps(generatedAt, kills)).toEqual(expected);
  });
});
