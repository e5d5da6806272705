import { describe, expect, it } from "vitest";
import { createLongPollLimit } from "../../shared/submission/long-poll-limit.ts";

/** `acquire` expects the place to be granted or not; `release` calls the release of the n-th grant (0-based). */
type Step = { acquire: string; granted: boolean } | { release: number };

interface Case {
  name: string;
  max: number;
  steps: Step[];
  /** Places each user holds after the steps. */
  held: Record<string, number>;
  /** Users left in the table after the steps. */
  users: number;
}

describe("createLongPollLimit", () => {
  it.each<Case>([
    {
      name: "one user gets places up to the cap, then none",
      max: 2,
      steps: [
        { acquire: "u1", granted: true },
        { acquire: "u1", granted: true },
        { acquire: "u1", granted: false },
      ],
      held: { u1: 2 },
      users: 1,
    },
    {
      name: "users are counted apart",
      max: 1,
      steps: [
        { acquire: "u1", granted: true },
        { acquire: "u2", granted: true },
        { acquire: "u1", granted: false },
        { acquire: "u2", granted: false },
      ],
      held: { u1: 1, u2: 1 },
      users: 2,
    },
    {
      name: "a release frees a place for the same user",
      max: 1,
      steps: [{ acquire: "u1", granted: true }, { release: 0 }, { acquire: "u1", granted: true }],
      held: { u1: 1 },
      users: 1,
    },
    {
      name: "a user back at zero leaves the table",
      max: 3,
      steps: [
        { acquire: "u1", granted: true },
        { acquire: "u2", granted: true },
        { acquire: "u1", granted: true },
        { release: 0 },
        { release: 2 },
      ],
      held: { u1: 0, u2: 1 },
      users: 1,
    },
    {
      name: "releasing twice frees one place only",
      max: 2,
      steps: [
        { acquire: "u1", granted: true },
        { acquire: "u1", granted: true },
        { release: 0 },
        { release: 0 },
        { acquire: "u1", granted: true },
        { acquire: "u1", granted: false },
      ],
      held: { u1: 2 },
      users: 1,
    },
    {
      name: "a refusal takes no place",
      max: 1,
      steps: [
        { acquire: "u1", granted: true },
        { acquire: "u1", granted: false },
        { acquire: "u1", granted: false },
        { release: 0 },
      ],
      held: { u1: 0 },
      users: 0,
    },
    {
      name: "a user never seen holds nothing and takes no entry",
      max: 4,
      steps: [],
      held: { nobody: 0 },
      users: 0,
    },
  ])("$name", ({ max, steps, held, users }) => {
    const limit = createLongPollLimit(max);
    const releases: (() => void)[] = [];
    for (const step of steps) {
      if ("release" in step) {
        releases[step.release]?.();
        continue;
      }
      const release = limit.tryAcquire(step.acquire);
      expect(release !== undefined, `acquire ${step.acquire}`).toBe(step.granted);
      if (release !== undefined) releases.push(release);
    }
    for (const [user, count] of Object.entries(held)) expect(limit.held(user), user).toBe(count);
    expect(limit.users).toBe(users);
  });

  it.each([
    { name: "zero", max: 0 },
    { name: "negative", max: -1 },
    { name: "fractional", max: 1.5 },
    { name: "not a number", max: Number.NaN },
  ])("refuses a cap that is $name", ({ max }) => {
    expect(() => createLongPollLimit(max)).toThrow(RangeError);
  });
});
