import { describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { batchMayStart, jobsAhead } from "../../shared/lanes.ts";
import { queueSettings } from "../../shared/queue-settings.ts";
import { decodeSubmission } from "../../shared/submission/submit-request.ts";
import { pixfluxBody } from "../harness/fixtures.ts";

describe("priority lanes", () => {
  it.each([
    { interactive: 0, concurrency: 10, batch: 5, starts: true },
    { interactive: 5, concurrency: 10, batch: 5, starts: true },
    { interactive: 6, concurrency: 10, batch: 5, starts: false }, // interactive jobs need the batch share
    { interactive: 40, concurrency: 10, batch: 5, starts: false },
    { interactive: 0, concurrency: 1, batch: 1, starts: true },
    { interactive: 1, concurrency: 1, batch: 1, starts: false },
    { interactive: 9, concurrency: 10, batch: 1, starts: true },
  ])(
    "a batch attempt with $interactive interactive jobs active, $concurrency at once, $batch for batch: $starts",
    (c) => {
      expect(batchMayStart(c.interactive, c.concurrency, c.batch)).toBe(c.starts);
    },
  );

  it.each([
    { lane: "interactive" as const, laneBefore: 3, interactive: 7, ahead: 3 },
    { lane: "batch" as const, laneBefore: 3, interactive: 7, ahead: 10 },
    { lane: "batch" as const, laneBefore: 0, interactive: 0, ahead: 0 },
  ])(
    "a $lane job with $laneBefore of its lane before it and $interactive interactive active has $ahead ahead",
    (c) => {
      expect(jobsAhead(c.lane, c.laneBefore, c.interactive)).toBe(c.ahead);
    },
  );

  it("reads options.priority, interactive by default, and refuses anything else naming the field", () => {
    const decoded = (options?: unknown) =>
      decodeSubmission({ ...pixfluxBody("a lane"), ...(options !== undefined && { options }) });
    const interactive = decoded();
    expect(interactive.ok && interactive.options.priority).toBe("interactive");
    const batch = decoded({ priority: "batch" });
    expect(batch.ok && batch.options.priority).toBe("batch");
    const urgent = decoded({ priority: "urgent" });
    expect(urgent.ok).toBe(false);
    expect(!urgent.ok && urgent.errors.map((e) => e.path)).toEqual(["options.priority"]);
  });

  it("gives the batch lane its own queue settings: its concurrency, a lower rate, retries without limit", () => {
    const config = loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-lanes", TASKS_MAX_CONCURRENT: "12" });
    expect(config.batchConcurrency).toBe(6);
    expect(config.batchQueueId).toBe("generation-batch");
    expect(queueSettings(config, "batch")).toMatchObject({
      maxConcurrentDispatches: 6,
      maxDispatchesPerSecond: 20,
      retry: { maxAttempts: -1, maxBackoffSeconds: 60 },
    });
    expect(queueSettings(config)).toMatchObject({ maxConcurrentDispatches: 12, retry: { maxAttempts: 5 } });
  });

  it.each([
    [
      { TASKS_MAX_CONCURRENT: "4", TASKS_BATCH_MAX_CONCURRENT: "5" },
      /TASKS_BATCH_MAX_CONCURRENT="5": must not exceed TASKS_MAX_CONCURRENT \(4\)/,
    ],
    [{ TASKS_BATCH_QUEUE: "generation" }, /TASKS_BATCH_QUEUE="generation": must differ from TASKS_QUEUE/],
  ])("refuses %j", (env, message) => {
    expect(() => loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-lanes", ...env })).toThrow(message);
  });
});
