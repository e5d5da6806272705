import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decideContext } from "../../shared/lifecycle/apply-change.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import { watchAttempt } from "../../shared/processing/attempt-signal.ts";
import { CANCEL_CHECK_MS, holdJob } from "../../shared/processing/held-job.ts";
import { createProgressReporter } from "../../shared/processing/progress-reporter.ts";
import type { Progress } from "../../shared/progress.ts";
import { memoryDeps } from "../harness/memory-deps.ts";
import { testJob } from "../harness/seed-jobs.ts";

/**
 * The attempt's writes to its own job, on the in-memory store with fake timers: progress never
 * waits on the clock when the work is done, coalesces what a second makes stale, and a cancel or a
 * lost lease reaches the attempt through its own reads and writes (no listener).
 */
describe("an attempt's progress and its view of the job", () => {
  beforeEach(() => void vi.useFakeTimers({ now: Date.UTC(2026, 11, 2, 9) }));
  afterEach(() => void vi.useRealTimers());

  async function claimed() {
    const deps = memoryDeps();
    const job = testJob();
    await deps.store.createJob(job);
    const ctx = decideContext(deps, Date.now());
    const claim = await deps.store.apply(job.id, (j) =>
      decide(j, { type: "claimed", leaseId: "L", attempt: 1 }, ctx),
    );
    if (!claim.ok) throw new Error(claim.message);
    const written: Progress[] = [];
    deps.store.watchJob(job.id, (j) => j && written.push(j.progress));
    await vi.advanceTimersByTimeAsync(0); // the listener's first call: the claimed state
    written.length = 0;
    const attempt = watchAttempt(60_000);
    const held = holdJob(deps, { job: claim.decision.job, version: claim.version }, "L", attempt);
    const reporter = createProgressReporter(held, "L", deps.clock, deps.logger);
    return { deps, job, attempt, held, reporter, written };
  }

  it("writes nothing when the work ends within a second, and ends at once", async () => {
    const { reporter, written, held } = await claimed();
    reporter.stage("generating");
    await vi.advanceTimersByTimeAsync(300);
    reporter.stage("storing");
    const closed = reporter.close().then(() => "closed");
    await vi.advanceTimersByTimeAsync(0);
    expect(await closed).toBe("closed");
    await vi.advanceTimersByTimeAsync(5_000);
    expect(written).toEqual([]);
    held.close();
  });

  it.each([
    {
      name: "a long generation shows each second's newest report, merged",
      steps: [
        { at: 0, stage: "generating" as const },
        { at: 1_200, percent: 20 },
        { at: 1_500, percent: 30 },
        { at: 1_800, percent: 40 },
        { at: 3_500, stage: "storing" as const },
      ],
      closeAt: 5_000,
      expected: [
        { stage: "generating", percent: 10 }, // due at 1 s after the claim's write
        { stage: "generating", percent: 40 }, // 20 and 30 were superseded before 2 s
        { stage: "storing", percent: 90 },
      ],
    },
    {
      name: "a stage superseded before its write is due is skipped",
      steps: [
        { at: 0, stage: "generating" as const },
        { at: 600, stage: "storing" as const },
      ],
      closeAt: 1_500,
      expected: [{ stage: "storing", percent: 90 }],
    },
  ])("$name", async ({ steps, closeAt, expected }) => {
    const { reporter, written, held } = await claimed();
    let now = 0;
    for (const step of steps) {
      await vi.advanceTimersByTimeAsync(step.at - now);
      now = step.at;
      if ("stage" in step && step.stage !== undefined) reporter.stage(step.stage);
      if ("percent" in step && step.percent !== undefined) reporter.percent(step.percent);
    }
    await vi.advanceTimersByTimeAsync(closeAt - now);
    await reporter.close();
    expect(written).toEqual(expected);
    held.close();
  });

  it("a cancel request stops the attempt at its next look, without a listener", async () => {
    const { deps, job, attempt, held } = await claimed();
    const ctx = decideContext(deps, Date.now());
    await deps.store.apply(job.id, (j) => decide(j, { type: "cancel-requested" }, ctx));
    await vi.advanceTimersByTimeAsync(CANCEL_CHECK_MS - 100);
    expect(attempt.reason()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(CANCEL_CHECK_MS);
    expect(attempt.reason()).toBe("cancel-requested");
    expect(attempt.signal.aborted).toBe(true);
    held.close();
  });

  it("a progress write on a job another handler took over stops the attempt as lease-lost", async () => {
    const { deps, job, attempt, held, reporter } = await claimed();
    // The lease ran out and another delivery claimed the job (the sweeper's settlement in between).
    const later = decideContext(deps, Date.now() + 700_000);
    const taken = await deps.store.apply(job.id, (j) =>
      decide(j, { type: "claimed", leaseId: "M", attempt: 2 }, later),
    );
    expect(taken.ok).toBe(true);
    reporter.stage("generating");
    await vi.advanceTimersByTimeAsync(1_000);
    await reporter.close();
    expect(attempt.reason()).toBe("lease-lost");
    expect((await deps.store.getJob(job.id))?.job.leaseId).toBe("M");
    held.close();
  });
});
