import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { z } from "zod";
import type { QueueRecord, QueueState } from "./emulator-state.ts";
import { parseLocationName, parseQueueName } from "./names.ts";
import { applyQueueMessage, DEFAULT_QUEUE_CONFIG, queueConfigToMessage } from "./queue-config.ts";
import { pageOf, type RpcContext, type UnaryHandler } from "./rpc-context.ts";
import { invalid, MESSAGES, notFound, RpcError } from "./rpc-error.ts";
import { reconfigure } from "./token-bucket.ts";
import {
  createQueueRequestSchema,
  listRequestSchema,
  msToTimestamp,
  nameRequestSchema,
  updateQueueRequestSchema,
} from "./wire.ts";

/** ListQueues page size: default and maximum. */
const MAX_QUEUE_PAGE = 9800;

export function queueToMessage(queue: QueueRecord): Record<string, unknown> {
  return {
    name: queue.name.full,
    ...queueConfigToMessage(queue.config),
    state: queue.state,
    ...(queue.purgeTimeMs === undefined ? {} : { purgeTime: msToTimestamp(queue.purgeTimeMs) }),
  };
}

/** The state a ListQueues filter selects; only `state: X` / `state = X` is supported. */
export function parseQueueFilter(filter: string | null | undefined): QueueState | undefined {
  if (!filter || filter.trim() === "") return undefined;
  const match = /^\s*state\s*[:=]\s*(RUNNING|PAUSED|DISABLED)\s*$/i.exec(filter);
  if (match === null)
    throw invalid(`Unsupported filter "${filter}": the emulator supports "state: <STATE>" only.`);
  return (match[1] ?? "").toUpperCase() as QueueState;
}

const iamRequestSchema = z.object({
  resource: z.string().nullish(),
  policy: z.record(z.string(), z.unknown()).nullish(),
  permissions: z.array(z.string()).nullish(),
});

/** Handlers of the queue RPCs (and the IAM ones, which store policies and never enforce them). */
export function queueRpcs(ctx: RpcContext): Record<string, UnaryHandler> {
  const { state, loop, now } = ctx;
  const queueNamed = (request: unknown): QueueRecord => {
    const { name } = nameRequestSchema.parse(request);
    return state.requireQueue(parseQueueName(name ?? ""));
  };
  const refuseRecentName = (name: string): void => {
    if (state.recentlyDeleted(name, now()))
      throw new RpcError(status.FAILED_PRECONDITION, MESSAGES.queueRecentlyDeleted);
  };

  return {
    listQueues(request) {
      const { parent, filter, pageSize, pageToken } = listRequestSchema.parse(request);
      const location = parseLocationName(parent ?? "");
      const wanted = parseQueueFilter(filter);
      const prefix = `projects/${location.project}/locations/${location.location}/queues/`;
      const matching = [...state.queues.values()]
        .filter((q) => q.name.full.startsWith(prefix) && (wanted === undefined || q.state === wanted))
        .map((q) => ({ name: q.name.full, queue: q }));
      const { page, nextPageToken } = pageOf(matching, pageSize, pageToken, MAX_QUEUE_PAGE);
      return { queues: page.map((item) => queueToMessage(item.queue)), nextPageToken };
    },

    getQueue: (request) => queueToMessage(queueNamed(request)),

    createQueue(request) {
      const { parent, queue } = createQueueRequestSchema.parse(request);
      parseLocationName(parent ?? "");
      const name = parseQueueName(queue?.name ?? "");
      if (!name.full.startsWith(`${parent}/queues/`)) {
        throw invalid(`The queue name "${name.full}" is not in the parent "${parent}".`);
      }
      if (state.queues.has(name.full)) throw new RpcError(status.ALREADY_EXISTS, MESSAGES.queueExists);
      refuseRecentName(name.full);
      const config = applyQueueMessage(DEFAULT_QUEUE_CONFIG, queue ?? {});
      return queueToMessage(state.newQueue(name, config, now()));
    },

    updateQueue(request) {
      const { queue, updateMask } = updateQueueRequestSchema.parse(request);
      const name = parseQueueName(queue?.name ?? "");
      const existing = state.queues.get(name.full);
      const paths = updateMask?.paths ?? [];
      if (existing === undefined) {
        // UpdateQueue upserts: a missing queue is created from the request.
        refuseRecentName(name.full);
        return queueToMessage(
          state.newQueue(name, applyQueueMessage(DEFAULT_QUEUE_CONFIG, queue ?? {}, paths), now()),
        );
      }
      const config = applyQueueMessage(existing.config, queue ?? {}, paths);
      existing.config = config;
      existing.bucket = reconfigure(
        existing.bucket,
        config.maxDispatchesPerSecond,
        config.maxBurstSize,
        now(),
      );
      loop.pump(existing);
      return queueToMessage(existing);
    },

    deleteQueue(request) {
      const { name } = nameRequestSchema.parse(request);
      const queue = state.queues.get(parseQueueName(name ?? "").full);
      if (queue === undefined) throw notFound();
      queue.deleted = true;
      for (const task of queue.tasks.values()) task.removed = true;
      state.queues.delete(queue.name.full);
      state.deletedQueues.set(queue.name.full, now());
      loop.notify();
      return {};
    },

    purgeQueue(request) {
      const queue = queueNamed(request);
      const purgeTime = now();
      for (const task of [...queue.tasks.values()]) {
        if (task.createTimeMs <= purgeTime) state.removeTask(queue, task, purgeTime);
      }
      if (ctx.hardResetOnPurge) state.clearTombstones(queue.name.full);
      queue.purgeTimeMs = purgeTime;
      loop.notify();
      return queueToMessage(queue);
    },

    pauseQueue(request) {
      const queue = queueNamed(request);
      queue.state = "PAUSED";
      return queueToMessage(queue);
    },

    resumeQueue(request) {
      const queue = queueNamed(request);
      queue.state = "RUNNING";
      loop.pump(queue);
      return queueToMessage(queue);
    },

    getIamPolicy(request) {
      const { resource } = iamRequestSchema.parse(request);
      const queue = state.requireQueue(parseQueueName(resource ?? ""));
      return (
        state.iamPolicies.get(queue.name.full) ?? { version: 1, bindings: [], etag: Buffer.from("ACAB") }
      );
    },

    setIamPolicy(request) {
      const { resource, policy } = iamRequestSchema.parse(request);
      const queue = state.requireQueue(parseQueueName(resource ?? ""));
      const stored = { ...(policy ?? {}), etag: randomBytes(8) };
      state.iamPolicies.set(queue.name.full, stored);
      return stored;
    },

    testIamPermissions(request) {
      const { resource, permissions } = iamRequestSchema.parse(request);
      state.requireQueue(parseQueueName(resource ?? ""));
      return { permissions: permissions ?? [] };
    },
  };
}
