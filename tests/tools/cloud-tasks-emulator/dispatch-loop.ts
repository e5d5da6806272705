import { dispatchHeaders, responseStatusFor, sendAttempt, type AttemptOutcome } from "./dispatcher.ts";
import type { EmulatorState, QueueRecord } from "./emulator-state.ts";
import { nextRetryDelayMs, parseRetryAfterMs, shouldStopRetrying } from "./retry-schedule.ts";
import type { AttemptRecord, TaskRecord } from "./task-record.ts";
import { msUntilToken, tryTake } from "./token-bucket.ts";
import { truncateToMicros } from "./wire.ts";

/** Why an attempt started: the queue's own dispatch, or RunTask (which bypasses limits and PAUSED). */
export type AttemptTrigger = "queue" | "run-task";

/** What happened to the task after an attempt. */
export type AttemptVerdict = "succeeded" | "retry" | "failed-permanently" | "discarded";

/** The one structured log line written per attempt. */
export interface AttemptLogLine {
  queue: string;
  task: string;
  trigger: AttemptTrigger;
  /** HTTP status, or how the attempt failed without one. */
  status: number | "timeout" | "connection-error" | "cancelled";
  /** `X-CloudTasks-TaskRetryCount` / `-TaskExecutionCount` sent with this attempt. */
  retryCount: number;
  executionCount: number;
  dispatchCount: number;
  responseCount: number;
  verdict: AttemptVerdict;
  /** When the next attempt is due (ISO 8601), or null if there is none. */
  nextEta: string | null;
  durationMs: number;
}

/** Collaborators of the loop. */
export interface DispatchLoopOptions {
  state: EmulatorState;
  /** Epoch ms, fractional allowed. */
  now: () => number;
  /** Factor applied to retry backoffs and max_retry_duration (1 = production timing). */
  backoffScale: number;
  /** Upper bound on every attempt's deadline, ms, so timeouts are testable quickly; unset = none. */
  dispatchDeadlineCapMs: number | undefined;
  /** The Authorization header value for a task's OIDC/OAuth token, if any. */
  authorization: (task: TaskRecord, nowMs: number) => Promise<string | undefined>;
  log: (line: AttemptLogLine) => void;
}

/** Longest delay setTimeout accepts, ms (~24.8 days); later wake-ups re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Dispatches due tasks of RUNNING queues within their token bucket and concurrency cap, applies the
 * outcome of every attempt (delete, retry per RetryConfig, or give up) and wakes itself with one timer
 * per queue for the next due task or token.
 */
export class DispatchLoop {
  private readonly options: DispatchLoopOptions;
  private readonly timers = new Map<QueueRecord, { handle: NodeJS.Timeout; atMs: number }>();
  private readonly listeners = new Set<() => void>();
  private cancel = new AbortController();

  constructor(options: DispatchLoopOptions) {
    this.options = options;
  }

  /** Starts every attempt the queue may start now, and arms a timer for the next one. */
  pump(queue: QueueRecord): void {
    if (queue.deleted || queue.state !== "RUNNING") return;
    const now = this.options.now();
    const due = [...queue.tasks.values()]
      .filter((t) => t.inFlight === 0 && t.scheduleTimeMs <= now)
      .sort((a, b) => a.scheduleTimeMs - b.scheduleTimeMs);
    for (const task of due) {
      // At the cap, the next attempt to settle pumps again; no timer needed.
      if (queue.inFlight >= queue.config.maxConcurrentDispatches) return;
      const bucket = tryTake(queue.bucket, now);
      if (bucket === undefined) {
        this.arm(queue, now + msUntilToken(queue.bucket, now));
        return;
      }
      queue.bucket = bucket;
      this.startAttempt(queue, task, "queue");
    }
    let next = Number.POSITIVE_INFINITY;
    for (const t of queue.tasks.values())
      if (t.inFlight === 0 && t.scheduleTimeMs > now) next = Math.min(next, t.scheduleTimeMs);
    if (next !== Number.POSITIVE_INFINITY) this.arm(queue, next);
  }

  /**
   * Starts one attempt now and returns once it is dispatched (counters updated), not answered, as
   * RunTask does. The HTTP request and its outcome continue in the background.
   */
  startAttempt(queue: QueueRecord, task: TaskRecord, trigger: AttemptTrigger): void {
    const now = this.options.now();
    const before = { retryCount: task.dispatchCount, executionCount: task.executionCount };
    const previousResponse = task.previousResponse;
    const attempt: AttemptRecord = { scheduleTimeMs: task.scheduleTimeMs, dispatchTimeMs: now };
    task.dispatchCount += 1;
    task.inFlight += 1;
    queue.inFlight += 1;
    task.lastAttempt = attempt;
    task.firstAttempt ??= { dispatchTimeMs: now };
    void this.send(task, attempt, previousResponse, before).then((outcome) =>
      this.settle(queue, task, attempt, outcome, { trigger, ...before }),
    );
  }

  private async send(
    task: TaskRecord,
    attempt: AttemptRecord,
    previousResponse: number | undefined,
    counts: { retryCount: number; executionCount: number },
  ): Promise<AttemptOutcome> {
    const t = task.target;
    const cancel = this.cancel.signal;
    let authorization: string | undefined;
    try {
      authorization = await this.options.authorization(task, attempt.dispatchTimeMs);
    } catch (error) {
      return { kind: "connection-error", message: `could not mint the token: ${(error as Error).message}` };
    }
    const headers = dispatchHeaders({
      callerHeaders: t.headers,
      queueId: task.name.queue.queueId,
      taskId: task.name.taskId,
      ...counts,
      scheduleTimeMs: attempt.scheduleTimeMs ?? attempt.dispatchTimeMs,
      previousResponse,
      authorization,
      bodyLength: ["POST", "PUT", "PATCH"].includes(t.method) ? t.body.length : undefined,
    });
    const deadlineMs = Math.min(task.dispatchDeadlineMs, this.options.dispatchDeadlineCapMs ?? Infinity);
    return sendAttempt({ url: t.url, method: t.method, headers, body: t.body, deadlineMs, cancel });
  }

  private settle(
    queue: QueueRecord,
    task: TaskRecord,
    attempt: AttemptRecord,
    outcome: AttemptOutcome,
    sent: { trigger: AttemptTrigger; retryCount: number; executionCount: number },
  ): void {
    const now = this.options.now();
    queue.inFlight -= 1;
    task.inFlight -= 1;
    this.record(task, attempt, outcome, now);
    const verdict = this.decide(queue, task, attempt, outcome, sent.trigger, now);
    const status = outcome.kind === "response" ? outcome.status : outcome.kind;
    this.options.log({
      queue: queue.name.full,
      task: task.name.full,
      trigger: sent.trigger,
      status,
      retryCount: sent.retryCount,
      executionCount: sent.executionCount,
      dispatchCount: task.dispatchCount,
      responseCount: task.responseCount,
      verdict,
      nextEta: verdict === "retry" ? new Date(task.scheduleTimeMs).toISOString() : null,
      durationMs: Math.round(now - attempt.dispatchTimeMs),
    });
    this.pump(queue);
    this.notify();
  }

  /** Updates the counters and last_attempt the way production reports them. */
  private record(task: TaskRecord, attempt: AttemptRecord, outcome: AttemptOutcome, now: number): void {
    if (outcome.kind === "cancelled") return;
    attempt.responseStatus = responseStatusFor(outcome);
    if (outcome.kind === "response") {
      attempt.responseTimeMs = now;
      task.responseCount += 1;
      // ExecutionCount excludes 5xx (and attempts without a response).
      if (outcome.status < 500) task.executionCount += 1;
      task.previousResponse = outcome.status;
    } else {
      // A deadline timeout is reported to the next attempt as 504; after a connection error the
      // retry headers are omitted (production behaviour unverified).
      task.previousResponse = outcome.kind === "timeout" ? 504 : undefined;
    }
  }

  private decide(
    queue: QueueRecord,
    task: TaskRecord,
    attempt: AttemptRecord,
    outcome: AttemptOutcome,
    trigger: AttemptTrigger,
    now: number,
  ): AttemptVerdict {
    const { state, backoffScale } = this.options;
    // Deleted, purged or reset meanwhile: the call was allowed to finish, but nothing is rescheduled.
    if (task.removed || queue.deleted || outcome.kind === "cancelled") return "discarded";
    if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) {
      state.removeTask(queue, task, now);
      return "succeeded";
    }
    const policy = queue.config.retry;
    const history = {
      attempts: task.dispatchCount,
      firstAttemptAtMs: task.firstAttempt?.dispatchTimeMs ?? now,
      nowMs: now,
    };
    if (shouldStopRetrying(history, policy, backoffScale)) {
      state.removeTask(queue, task, now);
      return "failed-permanently";
    }
    const status = outcome.kind === "response" ? outcome.status : undefined;
    const retryAfterMs = outcome.kind === "response" ? parseRetryAfterMs(outcome.retryAfter, now) : undefined;
    const delay = nextRetryDelayMs({
      retry: task.dispatchCount,
      policy,
      scale: backoffScale,
      status,
      retryAfterMs,
    });
    // RunTask: "schedule_time = call time + the RetryConfig delay"; otherwise from the response/timeout.
    const base = trigger === "run-task" ? attempt.dispatchTimeMs : now;
    task.scheduleTimeMs = truncateToMicros(base + delay);
    return "retry";
  }

  private arm(queue: QueueRecord, atMs: number): void {
    const existing = this.timers.get(queue);
    if (existing !== undefined && existing.atMs <= atMs) return;
    if (existing !== undefined) clearTimeout(existing.handle);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(atMs - this.options.now())));
    const handle = setTimeout(() => {
      this.timers.delete(queue);
      this.pump(queue);
    }, delay);
    handle.unref();
    this.timers.set(queue, { handle, atMs });
  }

  /** Calls `listener` after every change that may make a queue idle; returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Aborts every attempt in flight and every timer (reset and stop). */
  cancelAll(): void {
    this.cancel.abort();
    this.cancel = new AbortController();
    for (const { handle } of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
  }
}
