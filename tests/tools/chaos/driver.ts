import type { ChaosUser } from "./users.ts";
import type { PlannedSubmission, SubmitBody } from "./workload.ts";
import { derivedRandom, sleep, type Random } from "./random.ts";

/** One `POST /v1/jobs` as its client saw it in the end (after waiting out 429s and 503s). */
export interface SubmissionRecord {
  index: number;
  tag: string;
  userId: string;
  /** `first`; `repeat`: the same body again at once; `resend`: the same Idempotency-Key again. */
  kind: "first" | "repeat" | "resend";
  idempotencyKey: string | null;
  /** The last answer's status, or `gave-up` (the run's submission deadline passed first). */
  status: number | "gave-up";
  jobId: string | null;
  /** What the 2xx body said: a new job, a cache hit, or the user's earlier job. */
  answer: "accepted" | "cached" | "deduplicated" | null;
  /** Answers waited out before it, by status (`network` for no answer). */
  refusals: Record<string, number>;
}

export interface CancelRecord {
  jobId: string;
  status: number | "network";
}

export interface DriveResult {
  submissions: SubmissionRecord[];
  cancels: CancelRecord[];
}

const REQUEST_TIMEOUT_MS = 20_000;

/**
 * Plays every user's planned submissions against the API, the users in parallel and each user's in
 * order, as impatient clients: a 429, 503, 409 or a lost answer is waited out (Retry-After, capped) and
 * sent again. Some clients send a request twice, resend it under its Idempotency-Key, or cancel it.
 */
export async function driveSubmissions(
  apiUrl: string,
  users: readonly ChaosUser[],
  plan: readonly PlannedSubmission[],
  seed: number,
  deadline: number,
): Promise<DriveResult> {
  const result: DriveResult = { submissions: [], cancels: [] };
  const cancels: Promise<void>[] = [];
  await Promise.all(
    users.map(async (user, u) => {
      const random = derivedRandom(seed, `user-${u}`);
      for (const planned of plan.filter((p) => p.user === u)) {
        const send = (kind: SubmissionRecord["kind"], key: string | null) =>
          submit(apiUrl, user, planned, kind, key, random, deadline).then((record) => {
            result.submissions.push(record);
            return record;
          });
        const first = await send("first", planned.idempotencyKey);
        if (first.jobId === null) continue;
        if (planned.repeatNow) await send("repeat", null);
        if (planned.idempotencyKey !== null) await send("resend", planned.idempotencyKey);
        if (planned.cancelAfterMs !== null && first.answer === "accepted") {
          const jobId = first.jobId;
          cancels.push(
            sleep(planned.cancelAfterMs)
              .then(() => cancel(apiUrl, user, jobId))
              .then((record) => void result.cancels.push(record)),
          );
        }
      }
    }),
  );
  await Promise.all(cancels);
  return result;
}

async function submit(
  apiUrl: string,
  user: ChaosUser,
  planned: PlannedSubmission,
  kind: SubmissionRecord["kind"],
  idempotencyKey: string | null,
  random: Random,
  deadline: number,
): Promise<SubmissionRecord> {
  const record: SubmissionRecord = {
    index: planned.index,
    tag: planned.tag,
    userId: user.uid,
    kind,
    idempotencyKey,
    status: "gave-up",
    jobId: null,
    answer: null,
    refusals: {},
  };
  while (Date.now() < deadline) {
    const answer = await post(apiUrl, user, planned.body, idempotencyKey);
    if (answer.status !== "network" && answer.status < 300) {
      const body = answer.body as { jobId?: string; cached?: boolean; deduplicated?: boolean };
      record.status = answer.status;
      record.jobId = body.jobId ?? null;
      record.answer = body.deduplicated ? "deduplicated" : body.cached ? "cached" : "accepted";
      return record;
    }
    const status = answer.status;
    if (status !== "network" && status < 500 && status !== 409 && status !== 429) {
      record.status = status;
      return record;
    }
    const key = String(answer.status);
    record.refusals[key] = (record.refusals[key] ?? 0) + 1;
    const retryAfterMs = Math.min(3_000, Math.max(300, (answer.retryAfterSeconds ?? 1) * 1_000));
    await sleep(retryAfterMs * (0.5 + random()));
  }
  return record;
}

interface Answer {
  status: number | "network";
  body: unknown;
  retryAfterSeconds: number | undefined;
}

async function post(apiUrl: string, user: ChaosUser, body: SubmitBody, key: string | null): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${user.idToken}`,
    "content-type": "application/json",
  };
  if (key !== null) headers["idempotency-key"] = key;
  try {
    const response = await fetch(`${apiUrl}/v1/jobs`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
    return {
      status: response.status,
      body: parseJson(text),
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    };
  } catch {
    return { status: "network", body: undefined, retryAfterSeconds: undefined };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function cancel(apiUrl: string, user: ChaosUser, jobId: string): Promise<CancelRecord> {
  try {
    const response = await fetch(`${apiUrl}/v1/jobs/${jobId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${user.idToken}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return { jobId, status: response.status };
  } catch {
    return { jobId, status: "network" };
  }
}
