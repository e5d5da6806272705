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
  /** Publishes and never throws: a lost event must not fail the job it describes. */
  publish(event: LifecycleEvent): Promise<void>;
}

/** Publishes JSON messages to a Pub/Sub topic, with `type`, `jobId` and `userId` as attributes. */
export function pubsubEventPublisher(pubsub: PubSub, topicName: string, logger: Logger): EventPublisher {
  const topic = pubsub.topic(topicName);
  return {
    async publish(event) {
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
    },
  };
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
