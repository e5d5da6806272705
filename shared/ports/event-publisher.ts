import type { PubSub } from "@google-cloud/pubsub";
import type { Logger } from "../logger.ts";

/** The lifecycle events published on the events topic; `type` is also a message attribute for filters. */
export const LIFECYCLE_EVENT_TYPES = [
  "job.queued",
  "job.started",
  "job.completed",
  "job.failed",
  "job.cancelled",
  "job.dead_lettered",
  "queue.threshold",
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export interface LifecycleEvent {
  type: LifecycleEventType;
  jobId?: string;
  userId?: string;
  operation?: string;
  /** When it happened, ms since the epoch. */
  at: number;
  /** Event-specific facts: attempt, durations in ms, error type, queue depth, ... */
  data?: Record<string, unknown>;
}

export interface EventPublisher {
  /**
   * Publishes and never throws: a lost event must not fail the job it describes. Callers do not
   * wait for it (see `lifecycle/carry-out.ts`); the promise settles when the message is sent or lost.
   */
  publish(event: LifecycleEvent): Promise<void>;
  /**
   * Waits for publishes still in flight, at most `maxMs`. Functions call it before answering,
   * because Cloud Run throttles the CPU once the response is sent; what is still pending then goes
   * out with a later request or is lost (and logged).
   */
  flush(maxMs: number): Promise<void>;
}

/** Longest a function waits for its events before answering, in ms. @defaultValue 1_000 */
export const EVENT_FLUSH_MS = 1_000;

/** Publishes JSON messages to a Pub/Sub topic, with `type`, `jobId` and `userId` as attributes. */
export function pubsubEventPublisher(pubsub: PubSub, topicName: string, logger: Logger): EventPublisher {
  const topic = pubsub.topic(topicName);
  const inFlight = new Set<Promise<void>>();
  const send = async (event: LifecycleEvent) => {
    try {
      await topic.publishMessage({
        json: { ...event, at: new Date(event.at).toISOString() },
        attributes: {
          type: event.type,
          ...(event.jobId && { jobId: event.jobId }),
          ...(event.userId && { userId: event.userId }),
        },
      });
    } catch (error) {
      logger.warn({ err: error, eventType: event.type, jobId: event.jobId }, "event publish failed");
    }
  };
  return {
    publish(event) {
      const sending = send(event).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      return sending;
    },
    flush: (maxMs) => settleWithin([...inFlight], maxMs),
  };
}

/** Resolves when all `promises` settle or `maxMs` passes, whichever comes first; never rejects. */
export async function settleWithin(promises: Promise<unknown>[], maxMs: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    }),
  ]);
  clearTimeout(timer);
}

/** The facts every job event carries: who, what, when, and how long since submission and start. */
export function jobEvent(
  type: LifecycleEventType,
  job: { id: string; userId: string; operation: string; createdAt: number; startedAt: number | null },
  now: number,
  data: Record<string, unknown> = {},
): LifecycleEvent {
  const timing = {
    durationMs: now - job.createdAt,
    ...(job.startedAt !== null && { sinceStartMs: now - job.startedAt }),
  };
  return {
    type,
    jobId: job.id,
    userId: job.userId,
    operation: job.operation,
    at: now,
    data: { ...data, ...timing },
  };
}
