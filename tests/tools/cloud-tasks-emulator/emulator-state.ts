import { status } from "@grpc/grpc-js";
import type { QueueName } from "./names.ts";
import { DEFAULT_QUEUE_CONFIG, type QueueConfig } from "./queue-config.ts";
import { MESSAGES, notFound, RpcError } from "./rpc-error.ts";
import type { TaskRecord } from "./task-record.ts";
import { createTokenBucket, type TokenBucket } from "./token-bucket.ts";

export type QueueState = "RUNNING" | "PAUSED" | "DISABLED";

/** A queue held by the emulator. */
export interface QueueRecord {
  name: QueueName;
  config: QueueConfig;
  state: QueueState;
  /** Set by PurgeQueue, epoch ms. */
  purgeTimeMs: number | undefined;
  tasks: Map<string, TaskRecord>;
  bucket: TokenBucket;
  /** Attempts in flight, RunTask ones included. */
  inFlight: number;
  /** Set once deleted, so late attempt outcomes of its tasks are dropped. */
  deleted: boolean;
}

/** Timing knobs of the state (all in ms). */
export interface StateOptions {
  /** How long a finished or deleted task's name stays reserved. @defaultValue 3_600_000 (1 h) */
  tombstoneMs: number;
  /** How long a deleted queue's name cannot be re-created. @defaultValue 604_800_000 (7 days) */
  queueReuseBlockMs: number;
  /** Answer FAILED_PRECONDITION "Queue does not exist." for CreateTask, as older production did. */
  legacyMissingQueueCode: boolean;
}

/**
 * Everything the emulator remembers: queues with their tasks, reserved task names (tombstones),
 * recently deleted queue names and stored IAM policies. Expired entries are dropped lazily.
 */
export class EmulatorState {
  readonly queues = new Map<string, QueueRecord>();
  readonly tombstones = new Map<string, number>();
  readonly deletedQueues = new Map<string, number>();
  readonly iamPolicies = new Map<string, Record<string, unknown>>();
  readonly options: StateOptions;

  constructor(options: StateOptions) {
    this.options = options;
  }

  newQueue(name: QueueName, config: QueueConfig = DEFAULT_QUEUE_CONFIG, nowMs: number): QueueRecord {
    const record: QueueRecord = {
      name,
      config,
      state: "RUNNING",
      purgeTimeMs: undefined,
      tasks: new Map(),
      bucket: createTokenBucket(config.maxDispatchesPerSecond, config.maxBurstSize, nowMs),
      inFlight: 0,
      deleted: false,
    };
    this.queues.set(name.full, record);
    return record;
  }

  /** The queue, or NOT_FOUND with production's message (`forCreateTask` honours the legacy flag). */
  requireQueue(name: QueueName, forCreateTask = false): QueueRecord {
    const queue = this.queues.get(name.full);
    if (queue !== undefined) return queue;
    if (forCreateTask && this.options.legacyMissingQueueCode) {
      throw new RpcError(status.FAILED_PRECONDITION, MESSAGES.legacyQueueMissing);
    }
    throw notFound(MESSAGES.queueMissing);
  }

  /** Whether a queue of this name was deleted within the reuse block. */
  recentlyDeleted(name: string, nowMs: number): boolean {
    const deletedAt = this.deletedQueues.get(name);
    if (deletedAt === undefined) return false;
    if (nowMs - deletedAt < this.options.queueReuseBlockMs) return true;
    this.deletedQueues.delete(name);
    return false;
  }

  /** Reserves a task name for the tombstone window, from `nowMs`. */
  tombstone(taskName: string, nowMs: number): void {
    this.tombstones.set(taskName, nowMs + this.options.tombstoneMs);
  }

  /** Whether a task name is still reserved after its task ended. */
  isTombstoned(taskName: string, nowMs: number): boolean {
    const until = this.tombstones.get(taskName);
    if (until === undefined) return false;
    if (nowMs < until) return true;
    this.tombstones.delete(taskName);
    return false;
  }

  /** Drops every tombstone of one queue (the "hard reset on purge" switch). */
  clearTombstones(queueName: string): void {
    for (const name of this.tombstones.keys()) {
      if (name.startsWith(`${queueName}/tasks/`)) this.tombstones.delete(name);
    }
  }

  /** Removes a task (it will not be dispatched or rescheduled again) and reserves its name. */
  removeTask(queue: QueueRecord, task: TaskRecord, nowMs: number): void {
    task.removed = true;
    queue.tasks.delete(task.name.full);
    this.tombstone(task.name.full, nowMs);
  }

  clear(): void {
    for (const queue of this.queues.values()) {
      queue.deleted = true;
      for (const task of queue.tasks.values()) task.removed = true;
    }
    this.queues.clear();
    this.tombstones.clear();
    this.deletedQueues.clear();
    this.iamPolicies.clear();
  }
}
