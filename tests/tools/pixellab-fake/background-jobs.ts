import { randomUUID } from "node:crypto";

/** One fake v2 background job. Its status is computed from the clock, so no timer needs cleaning up. */
interface FakeJob {
  id: string;
  /** Epoch ms. */
  createdAtMs: number;
  /** How long it stays `processing`, in ms. */
  durationMs: number;
  /** `last_response` once completed: `{images: [...]}`. */
  result: Record<string, unknown>;
  /** Set when the job ends `failed`: the message PixelLab puts in `last_response.detail`. */
  failure: string | null;
  usage: unknown;
  /** The creating call's `[fake:tag=…]`, so polls are counted per tag too. */
  tag?: string | null;
}

/** `GET /v2/background-jobs/{id}`'s body (OAS2 `BackgroundJobResponse`). */
export interface JobView {
  id: string;
  status: "processing" | "completed" | "failed";
  created_at: string;
  last_response: Record<string, unknown> | null;
  usage: unknown;
}

/** An in-memory job table with an injectable clock (epoch ms). */
export function createBackgroundJobs(now: () => number = Date.now) {
  const jobs = new Map<string, FakeJob>();
  const finished = (job: FakeJob, at: number) => at >= job.createdAtMs + job.durationMs;
  return {
    create(init: Omit<FakeJob, "id" | "createdAtMs">): string {
      const id = randomUUID();
      jobs.set(id, { ...init, id, createdAtMs: now() });
      return id;
    },
    /** The job as PixelLab shows it now, or undefined (→ 404) for an unknown id. */
    view(id: string): JobView | undefined {
      const job = jobs.get(id);
      if (job === undefined) return undefined;
      const base = { id, created_at: new Date(job.createdAtMs).toISOString(), usage: job.usage };
      if (!finished(job, now())) return { ...base, status: "processing", last_response: null };
      if (job.failure !== null) return { ...base, status: "failed", last_response: { detail: job.failure } };
      return { ...base, status: "completed", last_response: job.result };
    },
    /** The tag of the call that created the job, or null (untagged, or unknown id). */
    tagOf(id: string): string | null {
      return jobs.get(id)?.tag ?? null;
    },
    /** Jobs still processing: they count against the concurrency cap, as on a real account. */
    running(): number {
      const at = now();
      let count = 0;
      for (const job of jobs.values()) if (!finished(job, at)) count += 1;
      return count;
    },
    clear(): void {
      jobs.clear();
    },
  };
}

export type BackgroundJobs = ReturnType<typeof createBackgroundJobs>;
