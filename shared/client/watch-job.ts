import { TERMINAL_STATUSES } from "../job-state.ts";
import type { JobView } from "../submission/job-view.ts";
import { deadlineScope } from "./abortable.ts";
import type { ApiHttpOptions } from "./api-http.ts";
import { WatchTimeoutError } from "./client-errors.ts";
import { pollJobStates, type PollSettings } from "./job-poller.ts";
import { jobStateKey } from "./job-state-key.ts";
import { openListenerChannel, type JobListener } from "./listener-channel.ts";

/** One state of a watched job and how it arrived. */
export interface WatchEvent {
  job: JobView;
  transport: "listener" | "polling";
}

export interface WatchSettings {
  http: ApiHttpOptions;
  listen: JobListener | undefined;
  /** No first snapshot from the listener within this many ms → polling. */
  listenerStartTimeoutMs: number;
  /** After the first snapshot, a listener quiet this long (ms) makes the watch ask the API once. */
  listenerQuietCheckMs: number;
  poll: PollSettings;
  /** Overall deadline from the first iteration, in ms. */
  timeoutMs: number;
  transport: "auto" | "polling";
  signal: AbortSignal | undefined;
}

const isTerminal = (job: JobView) => TERMINAL_STATUSES.includes(job.status);

/**
 * Every distinct state of a job until a terminal one (which is yielded, then the iteration ends).
 * With a listener and `transport: "auto"` it follows the listener, and moves to polling on its own
 * when the listener reports an error or gives no first snapshot in time; a state already seen is not
 * yielded again across the switch. Throws {@link WatchTimeoutError} at the deadline and the caller's
 * abort reason when `signal` aborts; either way the listener is unsubscribed.
 */
export async function* watchJob(jobId: string, settings: WatchSettings): AsyncGenerator<WatchEvent> {
  const scope = deadlineScope(
    settings.signal,
    settings.timeoutMs,
    () => new WatchTimeoutError(jobId, settings.timeoutMs),
  );
  let lastKey: string | undefined;
  const isNew = (job: JobView) => {
    const key = jobStateKey(job);
    if (key === lastKey) return false;
    lastKey = key;
    return true;
  };
  try {
    if (settings.transport === "auto" && settings.listen !== undefined) {
      for await (const job of listenerStates(settings.listen, jobId, settings, scope.signal)) {
        if (isNew(job)) yield { job, transport: "listener" };
        if (isTerminal(job)) return;
      }
    }
    for await (const job of pollJobStates(settings.http, jobId, scope.signal, settings.poll)) {
      if (isNew(job)) yield { job, transport: "polling" };
      if (isTerminal(job)) return;
    }
  } finally {
    scope.dispose();
  }
}

/**
 * The listener's states while it works. Returns (so the caller can fall back) on its first error or
 * when no first snapshot arrives within `listenerStartTimeoutMs`. After that first snapshot a quiet
 * listener is trusted (a queued job may rightly not change for a long time), but checked: every
 * `listenerQuietCheckMs` without a snapshot the job is read once over HTTP, so a listener that
 * silently stopped delivering costs a watcher that long, not its whole deadline.
 */
async function* listenerStates(
  listen: JobListener,
  jobId: string,
  settings: WatchSettings,
  signal: AbortSignal,
): AsyncGenerator<JobView> {
  const channel = openListenerChannel(listen, jobId);
  try {
    let waitMs: number = settings.listenerStartTimeoutMs;
    let started = false;
    for (;;) {
      const item = await channel.next(waitMs, signal);
      if (item === "timeout" && !started) return;
      if (item === "timeout") {
        yield await readOnce(settings, jobId, signal);
        continue;
      }
      if (item.kind === "error") return;
      started = true;
      waitMs = settings.listenerQuietCheckMs;
      yield item.job;
    }
  } finally {
    channel.close();
  }
}

/** The job as the API has it now: one request, answered at once (the poller's first). */
async function readOnce(settings: WatchSettings, jobId: string, signal: AbortSignal): Promise<JobView> {
  const states = pollJobStates(settings.http, jobId, signal, settings.poll);
  try {
    const first = await states.next();
    if (first.done === true) throw new Error(`no state for job ${jobId}`);
    return first.value;
  } finally {
    await states.return(undefined);
  }
}
