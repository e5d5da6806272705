import { Firestore } from "@google-cloud/firestore";
import { PubSub, type Message } from "@google-cloud/pubsub";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { isolatedProjectId, uniqueName, wipeFirestore } from "../harness/isolation.ts";
import { waitFor } from "../harness/wait-for.ts";

// Proves the rig: each real dependency answers through the same client library production uses.
describe("test harness against the real emulators", () => {
  const projectId = isolatedProjectId("smoke");
  const firestore = new Firestore({ projectId });
  const pubsub = new PubSub({ projectId });
  const redis = new Redis(process.env.REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });

  afterAll(async () => {
    await Promise.all([firestore.terminate(), pubsub.close(), redis.quit()]);
  });

  it("runs a read-modify-write transaction in the Firestore emulator", async () => {
    const ref = firestore.collection("counters").doc("smoke");
    await ref.set({ value: 1 });
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        firestore.runTransaction(async (tx) => {
          const snap = await tx.get(ref);
          const next = (snap.get("value") as number) + 1;
          tx.update(ref, { value: next });
          return next;
        }),
      ),
    );
    expect(results.sort()).toEqual([2, 3, 4]);
    expect((await ref.get()).get("value")).toBe(4);
  });

  it("wipes one project's documents without touching another's", async () => {
    const other = new Firestore({ projectId: isolatedProjectId("other") });
    await firestore.collection("wipe").doc("a").set({ x: 1 });
    await other.collection("wipe").doc("a").set({ x: 2 });
    await wipeFirestore(process.env.FIRESTORE_EMULATOR_HOST as string, projectId);
    expect((await firestore.collection("wipe").doc("a").get()).exists).toBe(false);
    expect((await other.collection("wipe").doc("a").get()).get("x")).toBe(2);
    await other.terminate();
  });

  it("publishes a message and receives it on a subscription through the Pub/Sub emulator", async () => {
    const [topic] = await pubsub.createTopic(uniqueName("smoke-topic"));
    const [subscription] = await topic.createSubscription(uniqueName("smoke-sub"));
    const received: Message[] = [];
    subscription.on("message", (message: Message) => {
      received.push(message);
      message.ack();
    });
    const id = await topic.publishMessage({ json: { hello: "world" }, attributes: { type: "smoke" } });
    const message = await waitFor(() => received[0], { timeoutMs: 15_000, description: "the smoke message" });
    await subscription.close();
    expect(message.id).toBe(id);
    expect(JSON.parse(message.data.toString())).toEqual({ hello: "world" });
    expect(message.attributes.type).toBe("smoke");
  });

  it("round-trips a value through the private redis-server", async () => {
    const key = uniqueName("smoke");
    await redis.set(key, "value", "PX", 10_000);
    expect(await redis.get(key)).toBe("value");
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});
