import { randomBytes } from "node:crypto";
import {
  createQueueClient,
  QueueApiError,
  type JobListener,
  type SubmitRequest,
  type SubmitResult,
} from "../../../shared/client/queue-client.ts";
import { TERMINAL_STATUSES, type JobStatus } from "../../../shared/job-state.ts";
import type { BenchUser } from "./bench-users.ts";
import { sleep } from "./stats.ts";

/** One generation request of the benchmark; identical keys make identical requests. */
export interface BenchRequest {
  key: string;
  /** `[fake:tag=…]` in the prompt: the offline PixelLab counts calls per tag. */
  tag: string;
  body: SubmitRequest;
}

/** How the API answered a submission that got a job. */
export type SubmitPath = "cacheMiss" | "cacheHit" | "dedup";

/** One `POST /v1/jobs` and the following of its job, as the client saw them. */
export interface SubmissionRecord {
  scenario: string;
  client: number;
  userId: string;
  transport: BenchUser["transport"];
  /** What the workload meant it to be (`fresh`, `repeat-own`, …). */
  kind: string;
  key: string;
  tag: string;
  /** The W3C trace id of every request it made (`traceparent`), so the api's log lines can be attributed to it. */
  traceId: string;
  /** When the first POST was sent, epoch ms. */
  sentAt: number;
  /** The answered POST's round trip, ms; null when none was answered with a job. */
  submitMs: number | null;
  /** The last POST's status (`network` for no answer). */
  status: number | "network";
  /** The refusal's problem type, e.g. `/problems/queue-full`. */
  problemType: string | null;
  /** Refusals waited out before the answer, by status. */
  refusals: Record<string, number>;
  path: SubmitPath | null;
  jobId: string | null;
  /** When the client saw the job terminal, epoch ms, and in which state; null when it never did. */
  endedAt: number | null;
  endStatus: JobStatus | null;
  /** How the terminal state arrived: with the POST answer, by listener or by polling. */
  endTransport: "answer" | "listener" | "polling" | null;
  followError: string | null;
  createdAt: number | null;
  startedAt: number | null;
  /** Snapshot arrival − the job's `updatedAt`, for listener snapshots after the first, ms. */
  propagationMs: number[];
  /** Requests this client sent to the API for this submission and their round trips, ms. */
  clientRequests: number;
  clientRequestMs: number;
}

export interface SubmitSettings {
  apiUrl: string;
  /** Longest a client follows one job, ms. */
  watchTimeoutMs: number;
  /** Wait out 429, 503 and 409 (Retry-After, capped) and send again until this epoch ms; null: never. */
  retryUntil: number | null;
}

/** A pixflux request whose prompt carries its key and the offline PixelLab tag. */
export function benchRequest(key: string, seed: number): BenchRequest {
  const tag = key.replace(/[^A-Za-z0-9_.:-]/g, ".").slice(0, 64);
  return {
    key,
    tag,
    body: {
      operation: "generate-image-pixflux",
      input: {
        description: `bench sprite ${key} [fake:tag=${tag}]`,
        image_size: { width: 64, height: 64 },
        seed,
      },
    },
  };
}

const isTerminal = (status: string) => (TERMINAL_STATUSES as readonly string[]).includes(status);

/** Submits `request` as `user` and follows its job to a terminal state (or the watch deadline). */
export async function submitAndFollow(
  settings: SubmitSettings,
  user: BenchUser,
  request: BenchRequest,
  meta: { scenario: string; client: number; kind: string },
): Promise<SubmissionRecord> {
  const record: SubmissionRecord = {
    ...meta,
    userId: user.uid,
    transport: user.transport,
    key: request.key,
    tag: request.tag,
    traceId: randomBytes(16).toString("hex"),
    sentAt: Date.now(),
    submitMs: null,
    status: "network",
    problemType: null,
    refusals: {},
    path: null,
    jobId: null,
    endedAt: null,
    endStatus: null,
    endTransport: null,
    followError: null,
    createdAt: null,
    startedAt: null,
    propagationMs: [],
    clientRequests: 0,
    clientRequestMs: 0,
  };
  const snapshots: { at: number; updatedAt: string }[] = [];
  const listen: JobListener | undefined =
    user.listen === undefined
      ? undefined
      : (jobId, onNext, onError) =>
          (user.listen as JobListener)(
            jobId,
            (job) => {
              snapshots.push({ at: Date.now(), updatedAt: job.updatedAt });
              onNext(job);
            },
            onError,
          );
  const client = createQueueClient({
    apiBaseUrl: settings.apiUrl,
    getIdToken: user.getIdToken,
    fetch: tracedFetch(record),
    ...(listen !== undefined && { listen }),
    watchTimeoutMs: settings.watchTimeoutMs,
  });
  const answer = await submit(client, request, record, settings.retryUntil);
  if (answer === undefined) return record;
  record.jobId = answer.jobId;
  record.path = answer.deduplicated ? "dedup" : answer.cached ? "cacheHit" : "cacheMiss";
  if (isTerminal(answer.status)) {
    record.endedAt = Date.now();
    record.endStatus = answer.status;
    record.endTransport = "answer";
    if (answer.job !== undefined) {
      record.createdAt = Date.parse(answer.job.createdAt);
      record.startedAt = answer.job.startedAt === null ? null : Date.parse(answer.job.startedAt);
    }
    return record;
  }
  try {
    const transport = user.transport === "polling" ? "polling" : "auto";
    for await (const event of client.watch(answer.jobId, { transport })) {
      if (!isTerminal(event.job.status)) continue;
      record.endedAt = Date.now();
      record.endStatus = event.job.status;
      record.endTransport = event.transport;
      record.createdAt = Date.parse(event.job.createdAt);
      record.startedAt = event.job.startedAt === null ? null : Date.parse(event.job.startedAt);
    }
  } catch (error) {
    record.followError = (error as Error).message;
  }
  // The first snapshot shows the job as it was when the listener started, not a fresh write.
  record.propagationMs = snapshots.slice(1).map((s) => s.at - Date.parse(s.updatedAt));
  return record;
}

async function submit(
  client: ReturnType<typeof createQueueClient>,
  request: BenchRequest,
  record: SubmissionRecord,
  retryUntil: number | null,
): Promise<SubmitResult | undefined> {
  for (;;) {
    const started = performance.now();
    try {
      const answer = await client.submit(request.body);
      record.submitMs = Math.round((performance.now() - started) * 10) / 10;
      record.status = answer.cached || answer.status === "completed" ? 200 : 202;
      return answer;
    } catch (error) {
      record.status = error instanceof QueueApiError ? error.status : "network";
      record.problemType = error instanceof QueueApiError ? error.problem.type : (error as Error).message;
      const retryable = !(error instanceof QueueApiError) || [409, 429, 503].includes(error.status);
      if (retryUntil === null || !retryable || Date.now() >= retryUntil) return undefined;
      const key = String(record.status);
      record.refusals[key] = (record.refusals[key] ?? 0) + 1;
      const retryAfterMs = error instanceof QueueApiError ? (error.retryAfterSeconds ?? 1) * 1000 : 1000;
      await sleep(Math.min(2_000, Math.max(200, retryAfterMs)));
    }
  }
}

/** `fetch` that marks every request with the submission's trace and counts it. */
function tracedFetch(record: SubmissionRecord): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    // W3C trace context, which the api's request span continues: its log lines carry this trace.
    headers.set("traceparent", `00-${record.traceId}-${randomBytes(8).toString("hex")}-01`);
    const started = performance.now();
    try {
      return await fetch(input, { ...init, headers });
    } finally {
      record.clientRequests += 1;
      record.clientRequestMs += performance.now() - started;
    }
  };
}
