import type { Deps } from "../deps.ts";
import { problem } from "../http/problem.ts";
import { enqueueAttempt } from "../lifecycle/carry-out.ts";
import { nextTask } from "../lifecycle/next-task.ts";
import { answerDuplicate } from "./duplicate.ts";
import { toJobView } from "./job-view.ts";
import { queuedJob, type NewJobFacts } from "./new-job.ts";
import { queueFull } from "./queue-full.ts";
import type { SubmitOutcome } from "./submission-outcome.ts";
import { holdSpend } from "./spend-hold.ts";
import { estimatedWaitMs } from "./waiting-reason.ts";

export interface Admission {
  /** A cache-bypassing request: it takes the dedup claim over instead of joining an earlier job. */
  fresh: boolean;
  /** The active jobs this caller may hold (their tier's, see `user-limits.ts`). */
  activeJobLimit: number;
  /** The caller's daily spend budget in micro-dollars (their tier's); 0: none. */
  dailySpendMicros: number;
}

/**
 * Admits a new job: dedup claim, per-user slot, the hold on the user's daily spend budget (when one
 * is set, `spend-hold.ts`), job document, the queue-wide capacity check, Cloud
 * Tasks task. Each step that fails undoes the ones before it, so a rejected request leaves nothing
 * behind.
 *
 * The capacity check counts the active jobs *after* this one is written, and a count over
 * `QUEUE_CAPACITY` undoes it: of any number of simultaneous admissions, the one whose count came last
 * saw every job still standing, so the jobs left never exceed the capacity (a count taken before
 * writing let a burst of 500 through a capacity of 200). Near the cap, simultaneous admissions may
 * refuse one another more than strictly needed; each is told when to retry.
 *
 * Also: and because a duplicate only gets a job once its task
 * exists (or it has started), no duplicate is ever handed a job that is undone. The claim is never
 * written a second time to say so: the task is the proof (see `duplicate.ts`), which saves a write
 * on every admission and costs a Cloud Tasks lookup only on a duplicate of a still-queued job.
 *
 * Operations: 1 read (the count of held slots: one per 1,000 active jobs); writes: the claim (1), the slot (1, plus
 * one failed `create()` per held slot tried), the job (1); one CreateTask. A spend budget adds 1
 * write (the hold) and 1 aggregation read; an interactive job's place in its lane 1 aggregation read.
 */
export async function admitJob(
  deps: Deps,
  facts: NewJobFacts,
  admission: Admission,
  retried = false,
): Promise<SubmitOutcome> {
  const { config, store } = deps;
  const { fresh, activeJobLimit } = admission;
  const { userId, cacheKey } = facts;
  // The claim comes first: identical simultaneous submissions then share one job and one slot,
  // instead of each taking a slot before learning it is a duplicate.
  const claim = await store.takeClaim({
    userId,
    cacheKey,
    jobId: facts.id,
    now: facts.now,
    windowMs: config.limits.dedupWindowMs,
    admitted: false,
    force: fresh,
  });
  if (!claim.won) {
    const answer = await answerDuplicate(deps, userId, cacheKey, claim.claim);
    if (answer.kind !== "gone") return answer;
    // The earlier request was rolled back: this one is a new try (once; a second loss is a race
    // with yet another identical request, which the next answer settles).
    if (!retried) return admitJob(deps, facts, admission, true);
    return busy("An identical request is being admitted right now; retry shortly.", 1);
  }

  const lane = facts.priority ?? "interactive";
  const slot = await store.acquireSlot(userId, facts.id, activeJobLimit, facts.now, lane);
  if (slot === undefined) {
    await store.dropClaim(userId, cacheKey, facts.id);
    return userLimitReached(deps, userId, activeJobLimit);
  }

  const giveBack = async () => {
    await store.releaseSlot(userId, slot, facts.id);
    await store.dropClaim(userId, cacheKey, facts.id);
  };
  const spend = await holdSpend(deps, userId, facts.id, admission.dailySpendMicros).catch(
    async (error: unknown) => {
      await giveBack();
      throw error;
    },
  );
  if (spend.kind === "limited") {
    await giveBack();
    return { kind: "rejected", problem: spend.problem };
  }

  const job = queuedJob(facts, slot, spend.spend);
  const undo = (taskMayExist: boolean) => undoAdmission(deps, facts, slot, spend.release, taskMayExist);
  let activeJobs: number;
  let interactive: number;
  try {
    const version = await store.createJob(job);
    // The held slots are the active jobs (this one included), counted without scanning finished
    // jobs; an interactive job's place in line counts its own lane's beside it.
    [activeJobs, interactive] = await Promise.all([
      store.countAllSlots(),
      lane === "interactive" ? store.countLaneSlots("interactive") : Promise.resolve(0),
    ]);
    if (activeJobs > config.limits.queueCapacity) {
      await undo(false);
      return queueFull(deps, activeJobs - 1);
    }
    // The task carries the job as written, so its claim need not read it (see `nextTask`).
    await enqueueAttempt(deps, nextTask(job, version));
  } catch (error) {
    deps.logger.error({ err: error, jobId: job.id, userId }, "admission failed; undoing the job");
    await undo(true);
    return busy("The job could not be queued; try again.", 5);
  }
  // Jobs admitted before this one, not finished yet, that go first (`jobsAhead`): its lane's, and
  // for a batch job every interactive one too, which is every active job but itself.
  const position = lane === "interactive" ? interactive - 1 : activeJobs - 1;
  const waitMs = estimatedWaitMs(position, config.queueConcurrency, config.expectedJobMs);
  return { kind: "accepted", view: toJobView(job), position, estimatedWaitMs: waitMs };
}

function busy(detail: string, retryAfterSeconds: number): SubmitOutcome {
  return { kind: "rejected", problem: problem("unavailable", detail, { retryAfterSeconds }) };
}

/**
 * Undoes a half-made admission. If the undo itself fails the job stays queued without a task;
 * the sweeper finds such jobs (queued, no task under their deterministic name) and enqueues them.
 */
async function undoAdmission(
  deps: Deps,
  facts: NewJobFacts,
  slot: number,
  releaseSpend: () => Promise<void>,
  taskMayExist: boolean,
): Promise<void> {
  try {
    await deps.store.deleteJob(facts.id);
    await deps.store.releaseSlot(facts.userId, slot, facts.id);
    await releaseSpend();
    await deps.store.dropClaim(facts.userId, facts.cacheKey, facts.id);
    // A CreateTask that timed out may still have succeeded: remove it, without waiting on a Cloud
    // Tasks that may be the reason for the undo (a task without a job is skipped by the handler).
    if (taskMayExist)
      void deps.tasks.remove(facts.id, 1, 0, facts.priority ?? "interactive").catch(() => undefined);
  } catch (error) {
    deps.logger.error({ err: error, jobId: facts.id }, "undo failed; the sweeper will re-enqueue the job");
  }
}

async function userLimitReached(deps: Deps, userId: string, limit: number): Promise<SubmitOutcome> {
  const { config } = deps;
  const activeJobs = await deps.store.heldSlots(userId);
  // One of the user's jobs should finish within about one job's duration.
  const retryAfterSeconds = Math.max(1, Math.ceil(config.expectedJobMs / 1000));
  return {
    kind: "rejected",
    problem: problem(
      "user-limit-reached",
      `You already have ${activeJobs} active jobs; the limit is ${limit}.`,
      { limitName: "active-jobs", activeJobs, limit, retryAfterSeconds },
    ),
  };
}
