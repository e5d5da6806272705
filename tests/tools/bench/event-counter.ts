import { PubSub, type Message, type Subscription } from "@google-cloud/pubsub";
import { sleep } from "./stats.ts";

/** Lifecycle events seen on the events topic, counted by job (the `jobId` attribute). */
export interface EventCounter {
  /** Messages per job id. */
  byJob: ReadonlyMap<string, number>;
  /** Messages per event type. */
  byType: Readonly<Record<string, number>>;
  total(): number;
  /** Resolves once no message arrived for `quietMs`, at most `maxMs` from now. */
  settle(quietMs: number, maxMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Subscribes to the events topic on the Pub/Sub emulator at `host` with a subscription of its own
 * (so it sees every message published from now on) and counts what arrives.
 */
export async function startEventCounter(
  host: string,
  projectId: string,
  topic: string,
): Promise<EventCounter> {
  // The client library reads the emulator address from the environment when it is built.
  const previous = process.env.PUBSUB_EMULATOR_HOST;
  process.env.PUBSUB_EMULATOR_HOST = host;
  const pubsub = new PubSub({ projectId });
  if (previous === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
  else process.env.PUBSUB_EMULATOR_HOST = previous;
  const [subscription]: [Subscription, ...unknown[]] = await pubsub
    .topic(topic)
    .createSubscription(`bench-events-${process.pid}-${Date.now()}`, {
      flowControl: { maxMessages: 2_000, allowExcessMessages: true },
    });
  const byJob = new Map<string, number>();
  const byType: Record<string, number> = {};
  let total = 0;
  let lastAt = Date.now();
  subscription.on("message", (message: Message) => {
    message.ack();
    total += 1;
    lastAt = Date.now();
    const jobId = message.attributes.jobId;
    const type = message.attributes.type ?? "unknown";
    byType[type] = (byType[type] ?? 0) + 1;
    if (jobId !== undefined) byJob.set(jobId, (byJob.get(jobId) ?? 0) + 1);
  });
  subscription.on("error", (error: Error) => console.error(`bench: events subscription: ${error.message}`));
  return {
    byJob,
    byType,
    total: () => total,
    async settle(quietMs, maxMs) {
      const deadline = Date.now() + maxMs;
      while (Date.now() < deadline && Date.now() - lastAt < quietMs) await sleep(100);
    },
    async stop() {
      await subscription.close().catch(() => undefined);
      await subscription.delete().catch(() => undefined);
      await pubsub.close().catch(() => undefined);
    },
  };
}
