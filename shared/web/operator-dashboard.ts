import type { AdminClient, QueueGaugesView } from "../client/admin-client.ts";
import { QueueApiError } from "../client/client-errors.ts";
import { appendSample } from "./gauge-history.ts";
import {
  renderActionStatus,
  renderDeadLetters,
  renderFailures,
  renderGauges,
  type DeadLetterActions,
} from "./operator-view.ts";
import { byId } from "./view.ts";

/** How often the page reads `GET /v1/admin/queue`, in ms (one Firestore aggregation round each). */
const POLL_MS = 3_000;
/**
 * The dead-letter list is read again when the dead-letter gauge moves, after an action, on the
 * Refresh button, and at least every this many polls (entries can be replaced one for one).
 */
const LIST_EVERY_POLLS = 10;
/** Entries listed (and mined for recent failures): the API's largest page. */
const LIST_LIMIT = 100;

export interface Dashboard {
  /** Stops polling (sign-out, or the API refused the caller). */
  stop(): void;
}

/**
 * Polls the gauges, keeps their recent history in memory and keeps the dead-letter list current.
 * A 401 or 403 from the API stops it and is handed to `onRefused`: the page then shows the sign-in
 * form or the "operators only" notice. Other failures (a network blip, a 5xx) are shown and the
 * polling goes on.
 */
export function startDashboard(admin: AdminClient, onRefused: (status: 401 | 403) => void): Dashboard {
  let history: QueueGaugesView[] = [];
  let listedCount: number | undefined;
  let pollsSinceList = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Polls run one after another: a click during a poll queues one more, never a second loop.
  let chain = Promise.resolve();

  const refused = (error: unknown): boolean => {
    if (!(error instanceof QueueApiError) || (error.status !== 401 && error.status !== 403)) return false;
    stopped = true;
    onRefused(error.status);
    return true;
  };

  const listDeadLetters = async () => {
    const page = await admin.deadLetters({ limit: LIST_LIMIT });
    listedCount = history.at(-1)?.deadLetters;
    pollsSinceList = 0;
    renderDeadLetters(page.entries, actions);
    renderFailures(page.entries);
  };

  const poll = async (forceList: boolean) => {
    try {
      const gauges = await admin.queue();
      history = appendSample(history, gauges);
      renderGauges(history);
      pollsSinceList += 1;
      if (forceList || gauges.deadLetters !== listedCount || pollsSinceList >= LIST_EVERY_POLLS) {
        await listDeadLetters();
      }
    } catch (error) {
      if (!refused(error)) byId("updated").textContent = `Could not read the queue: ${message(error)}`;
    }
  };

  /** Polls now (or right after the poll under way) and schedules the next one. */
  const refresh = (forceList = false): Promise<void> =>
    (chain = chain.then(async () => {
      clearTimeout(timer);
      if (stopped) return;
      await poll(forceList);
      if (!stopped) timer = setTimeout(() => void refresh(), POLL_MS);
    }));

  const act = async (done: string, action: () => Promise<unknown>) => {
    try {
      await action();
      renderActionStatus(done);
    } catch (error) {
      if (!refused(error)) renderActionStatus(message(error), true);
    }
    await refresh(true);
  };

  const actions: DeadLetterActions = {
    retry: (jobId) => void act(`Job ${jobId} queued again.`, () => admin.retry(jobId)),
    discard: (jobId) => void act(`Dead letter of job ${jobId} deleted.`, () => admin.discard(jobId)),
  };

  const onRefresh = () => void refresh(true);
  byId("refresh").addEventListener("click", onRefresh);
  void refresh(true);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      byId("refresh").removeEventListener("click", onRefresh);
    },
  };
}

function message(error: unknown): string {
  if (error instanceof QueueApiError) return `${error.problem.title}: ${error.problem.detail}`;
  return error instanceof Error ? error.message : String(error);
}
