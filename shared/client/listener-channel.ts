import type { JobView } from "../submission/job-view.ts";

/** Realtime updates of one job: calls `onNext` with each state, `onError` once when it stops; returns unsubscribe. */
export type JobListener = (
  jobId: string,
  onNext: (job: JobView) => void,
  onError: (error: Error) => void,
) => () => void;

export type ListenerItem = { kind: "job"; job: JobView } | { kind: "error"; error: Error };

/** A listener subscription read by pulling: callbacks are queued until {@link ListenerChannel.next} takes them. */
export interface ListenerChannel {
  /**
   * The next item; `"timeout"` when none came within `timeoutMs` (no limit when undefined); rejects
   * with `signal.reason` as soon as `signal` aborts.
   */
  next(timeoutMs: number | undefined, signal: AbortSignal): Promise<ListenerItem | "timeout">;
  /** Unsubscribes; later callbacks are ignored. Safe to call twice. */
  close(): void;
}

export function openListenerChannel(listen: JobListener, jobId: string): ListenerChannel {
  const queued: ListenerItem[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const push = (item: ListenerItem) => {
    if (closed) return;
    queued.push(item);
    wake?.();
  };
  let unsubscribe = () => {};
  try {
    unsubscribe = listen(
      jobId,
      (job) => push({ kind: "job", job }),
      (error) => push({ kind: "error", error }),
    );
  } catch (error) {
    // A listener that cannot even start (no Firestore, bad config) is one more reason to poll.
    push({ kind: "error", error: error instanceof Error ? error : new Error(String(error)) });
  }
  return {
    next: (timeoutMs, signal) => nextItem(queued, (w) => (wake = w), timeoutMs, signal),
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
    },
  };
}

function nextItem(
  queued: ListenerItem[],
  setWake: (wake: (() => void) | undefined) => void,
  timeoutMs: number | undefined,
  signal: AbortSignal,
): Promise<ListenerItem | "timeout"> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      setWake(undefined);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    const take = () => {
      const item = queued.shift();
      if (item === undefined) return;
      done();
      resolve(item);
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            done();
            resolve("timeout");
          }, timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    setWake(take);
    take();
  });
}
