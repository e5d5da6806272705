import { cacheKey as cacheKeyOf } from "../cache-key.ts";
import { canonicalJson } from "../canonical-json.ts";
import { problem } from "../http/problem.ts";
import type { Deps } from "../deps.ts";
import { estimatedBytes, MAX_DOCUMENT_BYTES, type JobResult } from "../store/job-document.ts";
import { admitJob } from "./admit-job.ts";
import { answerDuplicate } from "./duplicate.ts";
import { toJobView } from "./job-view.ts";
import { cachedJob, type NewJobFacts } from "./new-job.ts";
import { decodeSubmission, type SubmitOptions } from "./submit-request.ts";
import { takeSubmission } from "./submission-rate.ts";
import { userLimits, type UserLimits } from "./user-limits.ts";
import { successResponse, type SubmitOutcome } from "./submission-outcome.ts";
import { noteQueueDepth } from "./queue-threshold.ts";
import { recordFailedSubmission, recordSubmission } from "../telemetry/submission-metrics.ts";
import { enqueueWebhook } from "../lifecycle/carry-out.ts";
import { REFUSAL_MESSAGES } from "../webhooks/address-policy.ts";
import { endMessage } from "../webhooks/job-webhook.ts";
import { vetWebhookUrl } from "../webhooks/webhook-target.ts";

export interface SubmitCommand {
  userId: string;
  /** Whether the user signed in anonymously: their stricter limits apply (see `user-limits.ts`). @defaultValue false */
  anonymous?: boolean;
  /** The decoded JSON body (untrusted). */
  body: unknown;
  idempotencyKey?: string | undefined;
}

/**
 * `POST /v1/jobs`: turns a request into exactly one job, or an answer from the cache, or the
 * caller's earlier job, or a precise refusal. Order matters: validation first (bad input costs
 * nothing), then an `Idempotency-Key`'s replay (a retry is not a new submission), then the
 * submission rate (every other valid submission counts, and is given back when a later step refuses
 * it), then the caller's own duplicate (a repeat must not be refused by the limits its original
 * holds), then the cache (a hit spends no slot and no budget), then the active-job limits, then
 * the daily spend budget, then admission.
 */
export async function submitJob(deps: Deps, command: SubmitCommand): Promise<SubmitOutcome> {
  const started = deps.clock.now();
  try {
    const outcome = await submit(deps, command);
    recordSubmission(deps.metrics, outcome, (deps.clock.now() - started) / 1000);
    return outcome;
  } catch (error) {
    recordFailedSubmission(deps.metrics);
    throw error;
  }
}

async function submit(deps: Deps, command: SubmitCommand): Promise<SubmitOutcome> {
  const decoded = decodeSubmission(command.body);
  if (!decoded.ok) {
    return {
      kind: "rejected",
      problem: problem("validation-error", "The request has invalid fields.", { errors: decoded.errors }),
    };
  }
  const facts: NewJobFacts = {
    id: deps.newJobId(),
    userId: command.userId,
    request: decoded.request,
    cacheKey: cacheKeyOf(decoded.request),
    timeoutMs: decoded.options.timeoutMs ?? deps.config.jobTimeout.defaultMs,
    maxAttempts: deps.config.retry.maxAttempts,
    now: deps.clock.now(),
    priority: decoded.options.priority,
    webhook: decoded.options.webhook,
  };
  if (estimatedBytes(facts.request.input) > MAX_DOCUMENT_BYTES - 50_000) {
    return {
      kind: "rejected",
      problem: problem(
        "payload-too-large",
        "The input's images are too large to store with the job (1 MiB per job).",
      ),
    };
  }
  const refused = await refuseWebhook(deps, decoded.options);
  if (refused !== undefined) return refused;
  const limits = userLimits(deps.config.limits, command.anonymous === true);
  const key = command.idempotencyKey;
  if (key === undefined) return counted(deps, facts, decoded.options, limits);
  const fingerprint = canonicalJson({ cacheKey: facts.cacheKey, options: decoded.options });
  const started = await deps.store.startIdempotent(facts.userId, key, fingerprint, facts.now);
  if (started.kind === "replay") return { kind: "replayed", response: started.response };
  if (started.kind === "in-progress") {
    return {
      kind: "rejected",
      problem: problem("conflict", "A request with this Idempotency-Key is still in progress.", {
        retryAfterSeconds: 1,
      }),
    };
  }
  if (started.kind === "mismatch") {
    return {
      kind: "rejected",
      problem: problem("validation-error", "This Idempotency-Key was used with a different request.", {
        errors: [{ path: "Idempotency-Key", message: "already used with a different request body" }],
      }),
    };
  }
  const outcome = await counted(deps, facts, decoded.options, limits).catch(async (error: unknown) => {
    await deps.store.abandonIdempotent(facts.userId, key);
    throw error;
  });
  if (outcome.kind === "rejected" || outcome.kind === "replayed")
    await deps.store.abandonIdempotent(facts.userId, key);
  else await deps.store.finishIdempotent(facts.userId, key, successResponse(outcome));
  return outcome;
}

/**
 * A 422 when `options.webhook.url` is one webhooks may not reach: not https (outside local mode), or
 * resolving to a private, loopback, link-local or metadata address, or not resolving at all. Checked
 * before anything is written or counted; each delivery checks again.
 */
async function refuseWebhook(deps: Deps, options: SubmitOptions): Promise<SubmitOutcome | undefined> {
  if (options.webhook === undefined) return undefined;
  const target = await vetWebhookUrl(options.webhook.url, deps.resolveHost, deps.config.webhooks);
  if (target.ok) return undefined;
  const errors = [
    {
      path: "options.webhook.url",
      message: `${REFUSAL_MESSAGES[target.refusal]} (${target.refusal})`,
    },
  ];
  return {
    kind: "rejected",
    problem: problem("validation-error", "The webhook URL is not one webhooks may be sent to.", {
      errors,
    }),
  };
}

/** The submission, counted against the user's rate; a refusal gives its count back. */
async function counted(
  deps: Deps,
  facts: NewJobFacts,
  options: SubmitOptions,
  limits: UserLimits,
): Promise<SubmitOutcome> {
  const rate = await takeSubmission(deps, facts.userId, limits.submitsPerMinute);
  if (rate.kind === "limited") return { kind: "rejected", problem: rate.problem };
  const outcome = await decide(deps, facts, options, limits).catch(async (error: unknown) => {
    await rate.release();
    throw error;
  });
  if (outcome.kind === "rejected") await rate.release();
  return outcome;
}

async function decide(
  deps: Deps,
  facts: NewJobFacts,
  options: SubmitOptions,
  limits: UserLimits,
): Promise<SubmitOutcome> {
  const { store, config } = deps;
  // `cache: "bypass"` asks for a fresh generation: neither an earlier job nor the cache answers it.
  const fresh = options.cache === "bypass";
  if (!fresh) {
    const earlier = await store.findClaim(
      facts.userId,
      facts.cacheKey,
      facts.now,
      config.limits.dedupWindowMs,
    );
    if (earlier !== undefined) {
      const answer = await answerDuplicate(deps, facts.userId, facts.cacheKey, earlier);
      if (answer.kind !== "gone") return answer;
    }
    const result = await deps.cache.get(facts.cacheKey, facts.now);
    if (result !== undefined) return answerFromCache(deps, facts, result);
  }

  const outcome = await admitJob(deps, facts, {
    fresh,
    activeJobLimit: limits.activeJobs,
    dailySpendMicros: limits.dailySpendMicros,
  });
  // A refusal for a full queue means the depth is at the capacity (the critical level) at least.
  if (outcome.kind === "rejected" && outcome.problem.type === "/problems/queue-full") {
    await noteQueueDepth(deps, config.limits.queueCapacity);
  }
  if (outcome.kind === "accepted") {
    await noteQueueDepth(deps, outcome.position + 1);
    void deps.events.publish({
      type: "job.queued",
      jobId: facts.id,
      userId: facts.userId,
      operation: facts.request.operation,
      at: facts.now,
      data: { position: outcome.position, cacheKey: facts.cacheKey },
    });
  }
  return outcome;
}

/**
 * Writes a completed job from the cache: 1 write (job) + 1 (dedup claim) + hits, batched. A job
 * with a webhook for `job.completed` is born with its message pending, and its task is created.
 */
async function answerFromCache(deps: Deps, facts: NewJobFacts, result: JobResult): Promise<SubmitOutcome> {
  const born = cachedJob(facts, result);
  const ended = endMessage(null, born, facts.now);
  const job = ended?.job ?? born;
  await deps.store.createJob(job);
  if (ended !== null) await enqueueWebhook(deps, ended.task);
  // Born completed, so nothing can undo it: the claim is admitted from the start.
  await deps.store.takeClaim({
    userId: facts.userId,
    cacheKey: facts.cacheKey,
    jobId: job.id,
    now: facts.now,
    windowMs: deps.config.limits.dedupWindowMs,
    admitted: true,
  });
  await deps.cache.recordHit(facts.cacheKey, facts.now);
  void deps.events.publish({
    type: "job.completed",
    jobId: job.id,
    userId: job.userId,
    operation: job.operation,
    at: facts.now,
    data: { cached: true },
  });
  return { kind: "cached", view: toJobView(job) };
}
