import type { TagStats } from "../pixellab-fake/stats.ts";
import { killGaps, lostToKills, type Kill } from "./crash-window.ts";
import type { DriveResult } from "./driver.ts";
import type { FirestoreSnapshot, JobDoc } from "./firestore-snapshot.ts";
import type { PlannedSubmission } from "./workload.ts";

export const VIOLATION_KINDS = [
  "lost", // a 2xx answer named a job that does not exist
  "not-terminal", // a job still queued or processing after the drain
  "doubled", // PixelLab handed out more good generations for a request than jobs ran it
  "unexplained-result", // a request's jobs completed, yet PixelLab handed out no good generation for it
  "result-missing", // completed without images
  "dead-letter-missing", // failed without deadLetters/{jobId}
  "attempt-errors", // a failed job whose errors are not one per attempt (job or dead letter)
  "stray-dead-letter", // a dead letter for a job that is not failed
  "slot-left", // a userSlots document after every job ended
  "claim-left", // a dedup claim naming an active job, or a job that does not exist
  "lease-left", // a job that ended still carrying a lease
  "idempotency-broken", // one Idempotency-Key answered with two jobs
  "dedup-broken", // a user's identical request got a second job while the first was active
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Violation {
  kind: ViolationKind;
  jobId: string | null;
  detail: string;
}

export interface AuditReport {
  jobsByStatus: Record<string, number>;
  /** Failed jobs by their final error's type. */
  failedByErrorType: Record<string, number>;
  /** Every recorded attempt error of every job, by type (lost attempts show as `timeout`). */
  attemptErrorsByType: Record<string, number>;
  /** For each PixelLab fault profile (and `healthy`): how its jobs ended. */
  outcomesByFault: Record<string, Record<string, number>>;
  /** Accepted jobs that never ended: missing, or still active. */
  lost: number;
  /** Requests generated more often than jobs ran them. */
  doubled: number;
  /**
   * Requests paid twice only because processJob was killed with PixelLab's answer on its way or in
   * hand, not yet stored: the one window no design closes (the answer exists only in the dead
   * process; see crash-window.ts). Reported with the kill's delay, not a violation.
   */
  crashWindow: { count: number; details: string[] };
  violations: Violation[];
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
/** A repeat created this long before its original ended overlapped it for sure (no clock race). */
const OVERLAP_SLACK_MS = 2_000;

/** Checks every invariant of a finished run; every finding is a violation, none is explained away. */
export function auditRun(
  snapshot: FirestoreSnapshot,
  byTag: Record<string, TagStats>,
  drive: DriveResult,
  plan: readonly PlannedSubmission[],
  kills: readonly Kill[] = [],
): AuditReport {
  const crashWindow = { count: 0, details: [] as string[] };
  const violations: Violation[] = [];
  const add = (kind: ViolationKind, jobId: string | null, detail: string) =>
    violations.push({ kind, jobId, detail });
  const jobs = [...snapshot.jobs.values()];
  checkAnswers(snapshot, drive, add);
  for (const job of jobs) checkJob(job, snapshot, add);
  checkGenerations(jobs, byTag, add, kills, crashWindow);
  checkLeftovers(snapshot, add);
  checkRepeats(jobs, add);
  const lostIds = new Set(
    violations.filter((v) => v.kind === "lost" || v.kind === "not-terminal").map((v) => v.jobId),
  );
  return {
    jobsByStatus: countBy(jobs, (j) => j.status),
    failedByErrorType: countBy(
      jobs.filter((j) => j.status === "failed"),
      (j) => j.error?.type ?? "?",
    ),
    attemptErrorsByType: countBy(
      jobs.flatMap((j) => j.attemptErrors),
      (e) => e.type,
    ),
    outcomesByFault: outcomesByFault(jobs, plan),
    lost: lostIds.size,
    doubled: violations.filter((v) => v.kind === "doubled").length,
    crashWindow,
    violations,
  };
}

type Add = (kind: ViolationKind, jobId: string | null, detail: string) => void;

/** Every 2xx answer's job exists; one Idempotency-Key gives one job. */
function checkAnswers(snapshot: FirestoreSnapshot, drive: DriveResult, add: Add) {
  const byKey = new Map<string, string>();
  for (const s of drive.submissions) {
    if (s.jobId === null) continue;
    if (!snapshot.jobs.has(s.jobId))
      add("lost", s.jobId, `${s.kind} submission of ${s.tag} answered ${s.status} (${s.answer}), no job`);
    if (s.idempotencyKey === null) continue;
    const key = `${s.userId}:${s.idempotencyKey}`;
    const earlier = byKey.get(key);
    if (earlier === undefined) byKey.set(key, s.jobId);
    else if (earlier !== s.jobId)
      add("idempotency-broken", s.jobId, `key ${s.idempotencyKey} answered ${earlier}, then ${s.jobId}`);
  }
}

function checkJob(job: JobDoc, snapshot: FirestoreSnapshot, add: Add) {
  const where = `${job.tag ?? "untagged"}, ${job.status} after ${job.attempts}/${job.maxAttempts} attempts`;
  if (!TERMINAL.has(job.status)) {
    const lease =
      job.leaseExpiresAt === null ? "" : `, lease until ${new Date(job.leaseExpiresAt).toISOString()}`;
    add("not-terminal", job.id, `${where}, run ${job.run}${lease}`);
    return;
  }
  if (job.leaseId !== null || job.leaseExpiresAt !== null)
    add("lease-left", job.id, `${where}, lease ${job.leaseId}`);
  if (job.status === "completed" && job.imageCount === 0) add("result-missing", job.id, where);
  if (job.status !== "failed") {
    if (snapshot.deadLetters.has(job.id)) add("stray-dead-letter", job.id, where);
    return;
  }
  const errors = job.attemptErrors.map((e) => e.type).join(",");
  if (job.attemptErrors.length !== job.attempts)
    add("attempt-errors", job.id, `${where}: job has ${job.attemptErrors.length} errors [${errors}]`);
  const entry = snapshot.deadLetters.get(job.id);
  if (entry === undefined) {
    add("dead-letter-missing", job.id, `${where}, error ${job.error?.type}: ${job.error?.message}`);
  } else if (entry.attemptErrors !== entry.attempts || entry.attempts !== job.attempts) {
    add(
      "attempt-errors",
      job.id,
      `${where}: dead letter has ${entry.attemptErrors} errors for ${entry.attempts} attempts`,
    );
  }
}

/** PixelLab's good generations per request, against the jobs that ran it (cache hits run nothing). */
function checkGenerations(
  jobs: JobDoc[],
  byTag: Record<string, TagStats>,
  add: Add,
  kills: readonly Kill[],
  crashWindow: AuditReport["crashWindow"],
) {
  const byRequest = new Map<string, JobDoc[]>();
  for (const job of jobs) {
    if (job.tag === null || job.cached) continue;
    byRequest.set(job.tag, [...(byRequest.get(job.tag) ?? []), job]);
  }
  for (const [tag, ran] of byRequest) {
    const stats = byTag[tag];
    const generations = stats?.generations ?? 0;
    const ids = ran.map((j) => j.id).join(", ");
    const background =
      (stats?.statuses["202"] ?? 0) > 0 ? `, ${stats?.polledJobs} background job(s) polled` : "";
    const seen =
      stats === undefined
        ? "no calls"
        : `${stats.calls} calls ${JSON.stringify(stats.statuses)}${background}`;
    if (generations > ran.length && lostToKills(stats?.generatedAt ?? [], generations - ran.length, kills)) {
      crashWindow.count += 1;
      const gaps = killGaps(stats?.generatedAt ?? [], kills).map((ms) => `${ms} ms`);
      crashWindow.details.push(
        `${tag} [${ids}]: processJob killed ${gaps.join(", ")} after PixelLab answered (negative: its call was in flight)`,
      );
    } else if (generations > ran.length)
      add(
        "doubled",
        ran[0]?.id ?? null,
        `${tag}: ${generations} generations for ${ran.length} job(s) [${ids}]; ${seen}`,
      );
    // Identical requests may share one generation (a job completing from the result another stored).
    const completed = ran.filter((j) => j.status === "completed").length;
    if (completed > 0 && generations === 0)
      add(
        "unexplained-result",
        ran[0]?.id ?? null,
        `${tag}: ${completed} completed, ${generations} generations; ${seen}`,
      );
  }
}

/** No slot, claim or lease outlives the jobs. */
function checkLeftovers(snapshot: FirestoreSnapshot, add: Add) {
  for (const slot of snapshot.slots) {
    const job = slot.jobId === null ? undefined : snapshot.jobs.get(slot.jobId);
    add("slot-left", slot.jobId, `userSlots/${slot.id} (job ${job?.status ?? "missing"})`);
  }
  for (const claim of snapshot.claims) {
    const job = claim.jobId === null ? undefined : snapshot.jobs.get(claim.jobId);
    if (job !== undefined && TERMINAL.has(job.status)) continue;
    const admitted = claim.admitted === null ? "" : `, admitted ${claim.admitted}`;
    const made = claim.createdAt === null ? "?" : new Date(claim.createdAt).toISOString();
    add(
      "claim-left",
      claim.jobId,
      `dedupClaims/${claim.id} made ${made} names a ${job?.status ?? "missing"} job${admitted}`,
    );
  }
}

/** A user's identical requests (same cache key) share one job while it is active. */
function checkRepeats(jobs: JobDoc[], add: Add) {
  const groups = new Map<string, JobDoc[]>();
  for (const job of jobs) {
    const key = `${job.userId}:${job.cacheKey}`;
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  for (const group of groups.values()) {
    const sorted = group.filter((j) => !j.cached).sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
    for (let i = 1; i < sorted.length; i++) {
      const [first, next] = [sorted[i - 1] as JobDoc, sorted[i] as JobDoc];
      const firstEnd = first.finishedAt ?? Number.POSITIVE_INFINITY;
      if ((next.createdAt ?? 0) + OVERLAP_SLACK_MS < firstEnd)
        add("dedup-broken", next.id, `${next.tag}: created while ${first.id} (${first.status}) was active`);
    }
  }
}

function outcomesByFault(jobs: JobDoc[], plan: readonly PlannedSubmission[]) {
  const faultOf = new Map(plan.map((p) => [p.tag, p.fault?.name ?? "healthy"]));
  const table: Record<string, Record<string, number>> = {};
  for (const job of jobs) {
    const fault = (job.tag !== null && faultOf.get(job.tag)) || "untagged";
    const row = (table[fault] ??= {});
    const status = job.cached ? "cached" : job.status;
    row[status] = (row[status] ?? 0) + 1;
  }
  return table;
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
