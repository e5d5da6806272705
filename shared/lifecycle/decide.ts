import { leaseMs } from "../deadlines.ts";
import { transition, type JobEvent, type RejectReason } from "../job-state.ts";
import { endedSpend } from "../spend-budget.ts";
import type { Job } from "../store/job-document.ts";
import {
  accept,
  changed,
  only,
  refuse,
  type DecideContext,
  type DecideResult,
  type Decision,
  type JobChange,
  type RefusalReason,
} from "./job-change.ts";
import { attemptCancelled, attemptFailed, leaseExpired, resultReady } from "./settle-attempt.ts";
import { nextTask } from "./next-task.ts";
import { jobEvent } from "../ports/event-publisher.ts";
import { endMessage } from "../webhooks/job-webhook.ts";
import { webhookAttempted, webhookRescheduled } from "../webhooks/webhook-changes.ts";

/**
 * The job's whole life in one pure function: given the job as stored and what happened, the next
 * job and every write that goes with it (slot, dead letter, task, events). The store applies the
 * decision in one transaction on the job it just read, so every writer obeys the same rules, and
 * "cancel wins over a result" and the lease-expiry settlement are decided here once. A change that
 * ends the job also queues its webhook message, whichever writer made it, so no end is missed.
 */
export function decide(job: Job, change: JobChange, ctx: DecideContext): DecideResult {
  const result = decideChange(job, change, ctx);
  if (!result.ok) return result;
  const ended = endMessage(job, result.decision.job, ctx.now);
  if (ended === null) return result;
  return accept({ ...result.decision, job: ended.job, webhook: ended.task });
}

function decideChange(job: Job, change: JobChange, ctx: DecideContext): DecideResult {
  switch (change.type) {
    case "claimed":
      return claimed(job, change, ctx);
    case "progress":
      return step(job, { type: "progress", leaseId: change.leaseId, progress: change.progress }, ctx);
    case "pixellab-job-started":
      return holding(job, change.leaseId, () =>
        accept(only(changed(job, { pixellabJobId: change.pixellabJobId }, ctx.now))),
      );
    case "result-ready":
      return holding(job, change.leaseId, () => resultReady(job, change.result, change.shared === true, ctx));
    case "attempt-failed":
      return holding(job, change.leaseId, () => attemptFailed(job, change, ctx));
    case "attempt-cancelled":
      return holding(job, change.leaseId, () => attemptCancelled(job, ctx));
    case "lease-released":
      return holding(job, change.leaseId, () =>
        accept(only(changed(job, { leaseExpiresAt: ctx.now }, ctx.now))),
      );
    case "lease-expired":
      return leaseExpired(job, change.by, ctx);
    case "cancel-requested":
      return cancelRequested(job, ctx);
    case "replayed":
      return replayed(job, change.slot, ctx);
    case "swept":
      if (job.status !== "queued" || job.attempts !== change.attempts || job.run !== change.run) {
        return refuse("moved-on", `job is ${job.status} at attempt ${job.attempts}, run ${job.run}`);
      }
      return accept(withTask(changed(job, { run: job.run + 1 }, ctx.now)));
    case "webhook-attempt":
      return webhookAttempted(job, change);
    case "webhook-rescheduled":
      return webhookRescheduled(job, change.checkAt);
  }
}

const REFUSALS: Record<RejectReason, RefusalReason> = {
  "illegal-transition": "illegal",
  terminal: "terminal",
  "lease-mismatch": "lease-lost",
  "lease-live": "lease-live",
  "attempts-exhausted": "attempts-exhausted",
  "cancel-requested": "illegal",
  "progress-backwards": "illegal",
};

/** Applies one state-machine event to the job's state, keeping everything else. */
export function step(job: Job, event: JobEvent, ctx: Pick<DecideContext, "now">): DecideResult {
  const next = transition(job, event, ctx.now);
  if (!next.ok) return refuse(REFUSALS[next.reason], next.message);
  return accept(only(changed(job, next.state, ctx.now)));
}

/** Runs `next` only while the job is processing under `leaseId`. */
export function holding(job: Job, leaseId: string, next: () => DecideResult): DecideResult {
  if (job.status !== "processing")
    return refuse(job.status === "queued" ? "lease-lost" : "terminal", `job is ${job.status}`);
  if (job.leaseId !== leaseId) return refuse("lease-lost", "another attempt holds the lease");
  return next();
}

function withTask(job: Job): Decision {
  return { ...only(job), task: nextTask(job) };
}

function claimed(
  job: Job,
  change: Extract<JobChange, { type: "claimed" }>,
  ctx: DecideContext,
): DecideResult {
  let current = job;
  const events = [];
  if (job.status === "processing" && job.leaseExpiresAt !== null && job.leaseExpiresAt <= ctx.now) {
    // Its holder is gone: settle the lost attempt exactly as the sweeper would, then claim.
    const settled = leaseExpired(job, "handler", ctx);
    if (!settled.ok || settled.decision.job.status !== "queued") return settled;
    current = settled.decision.job;
    events.push(...settled.decision.events);
  }
  // A redelivery of an earlier attempt's task while the job waits for its scheduled retry: that
  // retry's own task (attempt + 1) will come; taking the job now would ignore the backoff and
  // PixelLab's Retry-After. (After an expired lease `nextAttemptAt` is now, so redelivery may claim.)
  const waiting = current.nextAttemptAt !== null && current.nextAttemptAt > ctx.now;
  if (current.status === "queued" && waiting && change.attempt <= current.attempts) {
    return refuse("stale-delivery", "an earlier attempt's task; the scheduled retry has its own");
  }
  const claim = step(
    current,
    { type: "claim", leaseId: change.leaseId, leaseMs: leaseMs(job.timeoutMs) },
    ctx,
  );
  if (!claim.ok) return claim;
  const after = claim.decision.job;
  const started = jobEvent("job.started", after, ctx.now, {
    attempt: after.attempts,
    waitMs: ctx.now - after.createdAt,
  });
  return accept({ ...only(after), events: [...events, started] });
}

function cancelRequested(job: Job, ctx: DecideContext): DecideResult {
  const moved = step(job, { type: "cancel", source: "client" }, ctx);
  if (!moved.ok) return moved;
  // Either way the slot is freed at once: the user asked to stop, and their next job should not wait
  // for the handler to notice.
  const after = { ...moved.decision.job, slot: null };
  const decision = { ...only(after), freeSlot: job.slot };
  if (after.status === "processing") return accept(decision);
  return accept({
    ...decision,
    job: { ...after, spend: endedSpend(job) },
    // Queued: its next delivery would be attempt `attempts + 1`.
    removeTask: { attempt: job.attempts + 1, run: job.run },
    events: [jobEvent("job.cancelled", after, ctx.now, { from: "queued" })],
  });
}

function replayed(job: Job, slot: number | null, ctx: DecideContext): DecideResult {
  if (job.status !== "failed") return refuse("not-failed", `job is ${job.status}, not failed`);
  const moved = step(job, { type: "requeue", maxAttempts: ctx.settings.retry.maxAttempts }, ctx);
  if (!moved.ok) return moved;
  // A new run generates afresh: no PixelLab job to resume, an empty error history, fresh task names.
  const after = changed(
    moved.decision.job,
    { run: job.run + 1, slot, pixellabJobId: null, attemptErrors: [] },
    ctx.now,
  );
  const previous = { errorType: job.error?.type, attempts: job.attempts, failedAt: job.finishedAt };
  return accept({
    ...withTask(after),
    dropDeadLetter: true,
    events: [jobEvent("job.queued", after, ctx.now, { replay: true, run: after.run, previous })],
  });
}
