import { createHash } from "node:crypto";
import { canonicalJson } from "../../../shared/canonical-json.ts";

/** What `GET /__fake/stats` returns: enough for a test to prove what reached the "API". */
export interface FakeStats {
  /** Calls per endpoint, keyed `"POST /v1/rotate"`; job polls count under `"GET /v2/background-jobs"`. */
  calls: Record<string, number>;
  /** Generation calls per request, keyed by {@link requestHash} of the body. */
  byRequest: Record<string, number>;
  /** Answers sent, per HTTP status. */
  statuses: Record<string, number>;
  /** Generation calls admitted and not yet answered or closed. */
  inFlight: number;
  /** Most admitted calls plus running background jobs at once, since the last reset. */
  peakConcurrency: number;
  /** Calls whose connection closed before the fake answered (a client timeout or abort). */
  aborted: number;
  /** Background jobs created since the last reset. */
  jobsCreated: number;
  /** Generation calls per `[fake:tag=<label>]`, so a test can account per job of its own. */
  byTag: Record<string, TagStats>;
}

/** What the calls carrying one tag got. */
export interface TagStats {
  calls: number;
  /** Answers per HTTP status; `"aborted"` for calls closed before an answer. */
  statuses: Record<string, number>;
  /** Good generations handed out: a 200 with sound images, or a background job that will complete. */
  generations: number;
  /** When each good generation was handed out, epoch ms (to tell a crash right after it apart). */
  generatedAt: number[];
  /** Generations handed out spoiled (`malformed`, `wrong_size`), billed but unusable. */
  spoiled: number;
  /** Background jobs created to end `failed` (`job_failed`). */
  failedJobs: number;
  /** Distinct background jobs of this tag polled at least once (`GET /v2/background-jobs/{id}`). */
  polledJobs: number;
}

/** What a tagged call handed out: good images, spoiled ones, or a background job that will fail. */
export type TaggedOutput = "sound" | "spoiled" | "failed-job";

/** The stats key of a request: hex SHA-256 of the body's canonical JSON (key order does not matter). */
export function requestHash(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

/** Mutable counters behind {@link FakeStats}. `inFlight` survives a reset: those calls are still open. */
export function createStats() {
  let stats = empty(0);
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
  const tagEntry = (tag: string): TagStats =>
    (stats.byTag[tag] ??= {
      calls: 0,
      statuses: {},
      generations: 0,
      generatedAt: [],
      spoiled: 0,
      failedJobs: 0,
      polledJobs: 0,
    });
  let polled = new Set<string>();
  return {
    /** Counts a call; returns how many times this request (by hash) has been seen, this one included. */
    call(endpoint: string, hash?: string): number {
      bump(stats.calls, endpoint);
      return hash === undefined ? 0 : bump(stats.byRequest, hash);
    },
    answered(status: number): void {
      bump(stats.statuses, String(status));
    },
    aborted(): void {
      stats.aborted += 1;
    },
    jobCreated(): void {
      stats.jobsCreated += 1;
    },
    /** A call carrying `tag` was received; `finished(status)` files its answer. */
    tagged(tag: string): (status: number | "aborted") => void {
      const entry = tagEntry(tag);
      entry.calls += 1;
      return (status) => void bump(entry.statuses, String(status));
    },
    /** A call carrying `tag` handed out a generation, or a background job that will fail. */
    generated(tag: string, output: TaggedOutput): void {
      const entry = tagEntry(tag);
      if (output === "sound") {
        entry.generations += 1;
        entry.generatedAt.push(Date.now());
      } else if (output === "spoiled") entry.spoiled += 1;
      else entry.failedJobs += 1;
    },
    /** A background job created by a call carrying `tag` was polled. */
    polled(tag: string, jobId: string): void {
      if (polled.has(jobId)) return;
      polled.add(jobId);
      tagEntry(tag).polledJobs += 1;
    },
    /** A call was admitted; `concurrent` includes it and the running background jobs. */
    enter(concurrent: number): void {
      stats.inFlight += 1;
      stats.peakConcurrency = Math.max(stats.peakConcurrency, concurrent);
    },
    leave(): void {
      stats.inFlight -= 1;
    },
    /** Admitted calls not yet answered, for the concurrency cap. */
    inFlightNow(): number {
      return stats.inFlight;
    },
    snapshot(): FakeStats {
      return structuredClone(stats);
    },
    reset(): void {
      stats = empty(stats.inFlight);
      polled = new Set();
    },
  };
}

export type StatsRecorder = ReturnType<typeof createStats>;

function empty(inFlight: number): FakeStats {
  return {
    calls: {},
    byRequest: {},
    statuses: {},
    inFlight,
    peakConcurrency: inFlight,
    aborted: 0,
    jobsCreated: 0,
    byTag: {},
  };
}
