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
 * when no first snapshot arrives within `listenerStartTimeoutMs`; after that first snapshot a quiet
 * listener is trusted, since a queued job may rightly not change for a long time.
 */
async function* listenerStates(
  listen: JobListener,
  jobId: string,
  settings: WatchSettings,
  signal: AbortSignal,
): AsyncGenerator<JobView> {
  const channel = openListenerChannel(listen, jobId);
  try {
    let waitMs: number | undefined = settings.listenerStartTimeoutMs;
    for (;;) {
      const item = await channel.next(waitMs, signal);
      if (item === "timeout" || item.kind === "error") return;
      waitMs = undefined;
      yield item.job;
    }
  } finally {
    channel.close();
  }
}
