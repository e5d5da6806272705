import { describe, expect, it } from "vitest";
import { cancelJob } from "../../shared/submission/cancel-job.ts";
import { submitJob, type SubmitCommand } from "../../shared/submission/submit-job.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { memoryDeps } from "../harness/memory-deps.ts";

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

/** The use-case over the in-memory store, with a clock the test moves. */
function rig(env: Record<string, string>) {
  const deps = memoryDeps(env);
  let now = T0 + 15_000;
  deps.clock = { now: () => now };
  const submit = (description: string, extra: Partial<SubmitCommand> = {}) =>
    submitJob(deps, { userId: "u1", body: pixfluxBody(description), ...extra });
  const jobs = async () => (await deps.store.listUserJobs("u1", { limit: 100 })).jobs.length;
  return { deps, submit, jobs, advance: (ms: number) => (now += ms) };
}

describe("the per-user submission rate", () => {
  it("refuses the submission past the limit with a problem naming it and its reset, creating nothing", async () => {
    const { deps, submit, jobs, advance } = rig({ USER_SUBMIT_RATE_PER_MIN: "3" });
    for (const d of ["one", "two", "three"]) expect((await submit(d)).kind).toBe("accepted");
    const refused = await submit("four");
    expect(refused).toEqual({
      kind: "rejected",
      problem: expect.objectContaining({
        type: "/problems/rate-limited",
        status: 429,
        limitName: "submissions-per-minute",
        limit: 3,
        resetsAt: "2026-12-03T12:01:00.000Z",
        retryAfterSeconds: 45,
      }),
    });
    expect(await jobs()).toBe(3);
    expect(deps.created).toHaveLength(3);
    advance(45_000); // the next minute
    expect((await submit("four")).kind).toBe("accepted");
  });

  it("counts duplicates, but not invalid bodies or an Idempotency-Key's replays", async () => {
    const { deps, submit } = rig({ USER_SUBMIT_RATE_PER_MIN: "3" });
    expect((await submit("keyed", { idempotencyKey: "k-1" })).kind).toBe("accepted");
    expect((await submit("keyed", { idempotencyKey: "k-1" })).kind).toBe("replayed");
    expect((await submit("keyed", { idempotencyKey: "k-1" })).kind).toBe("replayed");
    expect((await submit("keyed")).kind).toBe("deduplicated"); // the second counted submission
    for (let i = 0; i < 3; i++) {
      const invalid = await submitJob(deps, { userId: "u1", body: { operation: "nope" } });
      expect(invalid.kind === "rejected" && invalid.problem.type).toBe("/problems/validation-error");
    }
    expect((await submit("another")).kind).toBe("accepted"); // the third
    const fourth = await submit("a fourth");
    expect(fourth.kind === "rejected" && fourth.problem.type).toBe("/problems/rate-limited");
  });

  it("gives the count back when a later limit refuses the submission", async () => {
    const { deps, submit } = rig({ USER_SUBMIT_RATE_PER_MIN: "2", USER_ACTIVE_JOB_LIMIT: "1" });
    const first = await submit("held");
    expect(first.kind).toBe("accepted");
    for (const d of ["b", "c", "d"]) {
      const refused = await submit(d);
      expect(refused.kind === "rejected" && refused.problem).toMatchObject({
        type: "/problems/user-limit-reached",
        limitName: "active-jobs",
        limit: 1,
      });
    }
    if (first.kind !== "accepted") throw new Error("unreachable");
    expect((await cancelJob(deps, "u1", first.view.jobId)).kind).toBe("cancelled");
    expect((await submit("b")).kind).toBe("accepted"); // the second counted: the refusals cost none
    const third = await submit("c");
    expect(third.kind === "rejected" && third.problem.type).toBe("/problems/rate-limited");
  });

  it("applies the anonymous limits to anonymous users and the signed-in ones to the rest", async () => {
    const { deps, submit } = rig({ ANON_SUBMIT_RATE_PER_MIN: "3", USER_SUBMIT_RATE_PER_MIN: "4" });
    const anonymous = { anonymous: true, userId: "anon-1" };
    const first = await submit("a", anonymous);
    expect((await submit("b", anonymous)).kind).toBe("accepted");
    const third = await submit("c", anonymous); // two active jobs is the anonymous default
    expect(third.kind === "rejected" && third.problem).toMatchObject({ limitName: "active-jobs", limit: 2 });
    if (first.kind !== "accepted") throw new Error(`first: ${first.kind}`);
    await cancelJob(deps, "anon-1", first.view.jobId);
    expect((await submit("c", anonymous)).kind).toBe("accepted"); // the third counted
    const fourth = await submit("d", anonymous);
    expect(fourth.kind === "rejected" && fourth.problem).toMatchObject({
      limitName: "submissions-per-minute",
      limit: 3,
    });
    for (const d of ["a", "b", "c", "d"]) expect((await submit(d)).kind).toBe("accepted"); // 4 of 5 active
    const over = await submit("e");
    expect(over.kind === "rejected" && over.problem).toMatchObject({
      limitName: "submissions-per-minute",
      limit: 4,
    });
  });

  it("is off at 0: nothing is counted", async () => {
    const { submit } = rig({ USER_SUBMIT_RATE_PER_MIN: "0", USER_ACTIVE_JOB_LIMIT: "100" });
    for (let i = 0; i < 70; i++) expect((await submit(`sprite ${i}`)).kind).toBe("accepted");
  });
});
