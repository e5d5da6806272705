import { describe, expect, it } from "vitest";
import { cacheKey } from "../../shared/cache-key.ts";
import { spendDay } from "../../shared/spend-budget.ts";
import { cancelJob } from "../../shared/submission/cancel-job.ts";
import { holdSpend } from "../../shared/submission/spend-hold.ts";
import { decodeSubmission } from "../../shared/submission/submit-request.ts";
import { submitJob, type SubmitCommand } from "../../shared/submission/submit-job.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { memoryDeps } from "../harness/memory-deps.ts";

const NOW = Date.UTC(2026, 11, 3, 21, 0, 0);
const BUDGET = { USER_DAILY_SPEND_USD: "0.10", SPEND_HOLD_USD: "0.04", USER_ACTIVE_JOB_LIMIT: "20" };

/** The cache key the API computes for a body. */
function keyOf(body: unknown): string {
  const decoded = decodeSubmission(body);
  if (!decoded.ok) throw new Error("invalid fixture");
  return cacheKey(decoded.request);
}

/** The submission use-case over the in-memory store, at a fixed time. */
function rig(env: Record<string, string>) {
  const deps = memoryDeps(env);
  deps.clock = { now: () => NOW };
  const submit = (description: string, extra: Partial<SubmitCommand> = {}) =>
    submitJob(deps, { userId: "u1", body: pixfluxBody(description), ...extra });
  const spent = (userId = "u1") => deps.store.daySpend(userId, spendDay(NOW));
  return { deps, submit, spent };
}

describe("the daily spend budget at submission", () => {
  it("holds SPEND_HOLD_USD per admitted job and refuses the job that would pass the budget, naming it", async () => {
    const { deps, submit, spent } = rig(BUDGET);
    expect((await submit("one")).kind).toBe("accepted");
    expect((await submit("two")).kind).toBe("accepted");
    expect(await spent()).toBe(80_000);
    const refused = await submit("three");
    expect(refused).toEqual({
      kind: "rejected",
      problem: expect.objectContaining({
        type: "/problems/spend-limit-reached",
        status: 429,
        limitName: "daily-spend-usd",
        limit: 0.1,
        spentUsd: 0.08,
        holdUsd: 0.04,
        resetsAt: "2026-12-04T00:00:00.000Z",
        retryAfterSeconds: 3 * 3600,
      }),
    });
    // Nothing of the refused job is left: no job, no task, no hold, no slot, no claim.
    expect((await deps.store.listUserJobs("u1", { limit: 10 })).jobs).toHaveLength(2);
    expect(deps.created).toHaveLength(2);
    expect(await spent()).toBe(80_000);
    expect(await deps.store.heldSlots("u1")).toBe(2);
    expect(await deps.store.findClaim("u1", keyOf(pixfluxBody("three")), NOW, 10_000)).toBeUndefined();
    // Another user has a budget of their own.
    expect((await submit("three", { userId: "u2" })).kind).toBe("accepted");
  });

  it("gives the rate slot back with a budget refusal", async () => {
    const { submit } = rig({ ...BUDGET, USER_SUBMIT_RATE_PER_MIN: "3", SPEND_HOLD_USD: "0.06" });
    expect((await submit("one")).kind).toBe("accepted");
    const refused = await submit("two");
    expect(refused.kind === "rejected" && refused.problem.type).toBe("/problems/spend-limit-reached");
    const again = await submit("two");
    expect(again.kind === "rejected" && again.problem.type).toBe("/problems/spend-limit-reached");
    // Two refusals did not use the minute's 2 remaining submissions: a duplicate still counts as one.
    expect((await submit("one")).kind).toBe("deduplicated");
    expect((await submit("one")).kind).toBe("deduplicated");
    const fourth = await submit("one");
    expect(fourth.kind === "rejected" && fourth.problem.type).toBe("/problems/rate-limited");
  });

  it("frees the hold of a job cancelled while queued, and charges nothing for answers from the cache", async () => {
    const { deps, submit, spent } = rig(BUDGET);
    const first = await submit("one");
    await submit("two");
    if (first.kind !== "accepted") throw new Error("not accepted");
    await cancelJob(deps, "u1", first.view.jobId);
    expect(await spent()).toBe(40_000);
    const body = pixfluxBody("from the cache");
    const result = {
      images: [{ base64: "iVBORw0K", width: 1, height: 1, format: "png" as const }],
      usage: null,
    };
    await deps.cache.put(keyOf(body), result, "earlier-job", NOW - 1000);
    expect((await submitJob(deps, { userId: "u1", body })).kind).toBe("cached");
    expect(await spent()).toBe(40_000);
    expect((await submit("three")).kind).toBe("accepted");
    expect(await spent()).toBe(80_000);
  });

  it("gives anonymous users their own budget", async () => {
    const { submit } = rig({ ...BUDGET, ANON_DAILY_SPEND_USD: "0.04" });
    expect((await submit("one", { anonymous: true })).kind).toBe("accepted");
    const refused = await submit("two", { anonymous: true });
    expect(refused.kind === "rejected" && refused.problem).toMatchObject({
      limitName: "daily-spend-usd",
      limit: 0.04,
    });
  });

  it("writes nothing with the budget off (the default)", async () => {
    const { deps, submit, spent } = rig({ USER_ACTIVE_JOB_LIMIT: "20" });
    for (const d of ["one", "two", "three", "four"]) expect((await submit(d)).kind).toBe("accepted");
    expect(await spent()).toBe(0);
    const { jobs } = await deps.store.listUserJobs("u1", { limit: 10 });
    expect(jobs.map((j) => j.spend)).toEqual([null, null, null, null]);
  });

  it("of 15 holds written before any is summed, exactly the first 5 by rank get in, where the budget has room for 5", async () => {
    const { deps, spent } = rig({ USER_DAILY_SPEND_USD: "0.05", SPEND_HOLD_USD: "0.01" });
    // All 15 holds land before the first sum: each sees the others, as simultaneous requests may.
    const ids = Array.from({ length: 15 }, (_, i) => `job-${String(i).padStart(2, "0")}`);
    const outcomes = await Promise.all(ids.map((id) => holdSpend(deps, "u1", id, 50_000)));
    const held = ids.filter((_, i) => outcomes[i]?.kind === "held");
    expect(held).toEqual(ids.slice(0, 5)); // same time, so ranked by job id
    expect(await spent()).toBe(50_000);
    const refused = outcomes.find((o) => o.kind === "limited");
    expect(refused?.kind === "limited" && refused.problem).toMatchObject({
      limitName: "daily-spend-usd",
      limit: 0.05,
    });
  });
});
