import type { TagStats } from "../pixellab-fake/stats.ts";

/** One way PixelLab misbehaves for a job, as `[fake:...]` directives the offline server obeys. */
export interface PixelLabFault {
  name: string;
  directives: string;
  /** How the job ends when nothing else goes wrong: transient trouble is retried, the rest is not. */
  expected: "completed" | "failed";
}

/** Every error type the offline server can produce, each as one profile; a faulty job gets one at random. */
export const PIXELLAB_FAULTS: readonly PixelLabFault[] = [
  { name: "rate-limit-429", directives: "fail-first=1,rate_limit=1", expected: "completed" },
  { name: "overloaded-529", directives: "fail-first=1,overloaded", expected: "completed" },
  { name: "server-500", directives: "fail-first=1,server_error", expected: "completed" },
  { name: "server-503-twice", directives: "fail-first=2,server_error=503", expected: "completed" },
  { name: "server-500-always", directives: "server_error", expected: "failed" },
  { name: "timeout", directives: "fail-first=1,timeout", expected: "completed" },
  { name: "slow-4s", directives: "latency=4000", expected: "completed" },
  { name: "auth-401", directives: "auth_error", expected: "failed" },
  { name: "quota-402", directives: "payment_required", expected: "failed" },
  { name: "validation-422", directives: "validation_error", expected: "failed" },
  { name: "malformed-png", directives: "fail-first=1,malformed", expected: "completed" },
  { name: "wrong-size", directives: "fail-first=1,wrong_size", expected: "completed" },
  { name: "background-job-failed", directives: "background,job_failed,job_ms=300", expected: "failed" },
];

/** How the calls of the run went, by kind of answer. */
export interface PixelLabSummary {
  calls: number;
  /** Calls that did not hand out a good generation (an error, a held connection, spoiled images). */
  failedCalls: number;
  byKind: Record<string, number>;
}

const KIND_OF_STATUS: Record<string, string> = {
  "429": "rate limit 429",
  "500": "5xx",
  "503": "5xx",
  "529": "5xx",
  "401": "auth 401",
  "402": "quota 402",
  "400": "validation 4xx",
  "422": "validation 4xx",
  aborted: "timeout/aborted",
};

/** Sums the offline server's per-job stats into error kinds (its `byTag`, one tag per job). */
export function summarisePixelLab(byTag: Record<string, TagStats>): PixelLabSummary {
  const byKind: Record<string, number> = {};
  const add = (kind: string, n: number) => {
    if (n > 0) byKind[kind] = (byKind[kind] ?? 0) + n;
  };
  let calls = 0;
  let failedCalls = 0;
  for (const stats of Object.values(byTag)) {
    calls += stats.calls;
    for (const [status, n] of Object.entries(stats.statuses)) {
      const kind = KIND_OF_STATUS[status] ?? (status.startsWith("2") ? undefined : `other ${status}`);
      if (kind === undefined) continue;
      add(kind, n);
      failedCalls += n;
    }
    add("malformed/wrong size", stats.spoiled);
    add("background job failed", stats.failedJobs);
    failedCalls += stats.spoiled + stats.failedJobs;
  }
  return { calls, failedCalls, byKind };
}
