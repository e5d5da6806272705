import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { QueueRunState } from "../../shared/ports/task-scheduler.ts";
import { queueStateCache } from "../../shared/submission/queue-state-cache.ts";

/** A queue whose probe answers `state` (or fails while `failing`), counting its calls. */
function queue() {
  const q = { calls: 0, state: "running" as QueueRunState, failing: false };
  const tasks = {
    probe: async () => {
      q.calls++;
      if (q.failing) throw new Error("UNAVAILABLE");
      return q.state;
    },
  };
  return { q, tasks };
}

describe("the queue state a job read reports", () => {
  const logger = pino({ level: "silent" });

  it("is read once per interval, shared by simultaneous readers, and fresh after it", async () => {
    const { q, tasks } = queue();
    let now = 0;
    const read = queueStateCache(tasks, { now: () => now }, logger, 10_000);
    expect(await Promise.all([read(), read(), read()])).toEqual(["running", "running", "running"]);
    q.state = "paused";
    now = 9_999;
    expect(await read()).toBe("running");
    expect(q.calls).toBe(1);
    now = 10_000;
    expect(await read()).toBe("paused");
    expect(q.calls).toBe(2);
  });

  it("answers running when the probe fails, and asks again on the next read", async () => {
    const { q, tasks } = queue();
    const read = queueStateCache(tasks, { now: () => 0 }, logger, 10_000);
    q.failing = true;
    q.state = "paused";
    expect(await read()).toBe("running");
    q.failing = false;
    expect(await read()).toBe("paused");
    expect(q.calls).toBe(2);
  });
});
