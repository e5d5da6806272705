import { status } from "@grpc/grpc-js";
import type { QueueRecord } from "./emulator-state.ts";
import {
  generateTaskId,
  parseQueueName,
  parseRequestedTaskName,
  parseTaskName,
  type TaskName,
} from "./names.ts";
import { pageOf, type RpcContext, type UnaryHandler } from "./rpc-context.ts";
import { invalid, MESSAGES, notFound, RpcError } from "./rpc-error.ts";
import {
  requireHttpPayload,
  taskToMessage,
  validateHttpTarget,
  validateTiming,
  viewOf,
  type TaskRecord,
} from "./task-record.ts";
import { createTaskRequestSchema, listRequestSchema, nameRequestSchema } from "./wire.ts";

/** ListTasks page size: default and maximum. */
const MAX_TASK_PAGE = 1000;

/** Handlers of the task RPCs. */
export function taskRpcs(ctx: RpcContext): Record<string, UnaryHandler> {
  const { state, loop, now } = ctx;

  /** The live task, or NOT_FOUND (GetTask names a tombstoned task with production's message). */
  const findTask = (name: string, explainTombstone: boolean): { queue: QueueRecord; task: TaskRecord } => {
    const parsed = parseTaskName(name);
    const queue = state.queues.get(parsed.queue.full);
    const task = queue?.tasks.get(parsed.full);
    if (queue !== undefined && task !== undefined) return { queue, task };
    if (explainTombstone && state.isTombstoned(parsed.full, now())) throw notFound(MESSAGES.taskTombstoned);
    throw notFound();
  };

  const nameForNewTask = (queue: QueueRecord, requested: string | null | undefined): TaskName => {
    if (requested) {
      const name = parseRequestedTaskName(queue.name, requested);
      // Dedup: a live task or a reserved name (finished or deleted within the tombstone window).
      if (queue.tasks.has(name.full) || state.isTombstoned(name.full, now())) {
        throw new RpcError(status.ALREADY_EXISTS, MESSAGES.alreadyExists);
      }
      return name;
    }
    for (;;) {
      const full = `${queue.name.full}/tasks/${generateTaskId(ctx.random)}`;
      if (!queue.tasks.has(full) && !state.isTombstoned(full, now())) return parseTaskName(full);
    }
  };

  return {
    listTasks(request) {
      const { parent, pageSize, pageToken, responseView } = listRequestSchema.parse(request);
      const queue = state.requireQueue(parseQueueName(parent ?? ""));
      const tasks = [...queue.tasks.values()].map((task) => ({ name: task.name.full, task }));
      const { page, nextPageToken } = pageOf(tasks, pageSize, pageToken, MAX_TASK_PAGE);
      return { tasks: page.map((item) => taskToMessage(item.task, viewOf(responseView))), nextPageToken };
    },

    getTask(request) {
      const { name, responseView } = nameRequestSchema.parse(request);
      return taskToMessage(findTask(name ?? "", true).task, viewOf(responseView));
    },

    createTask(request) {
      const { parent, task, responseView } = createTaskRequestSchema.parse(request);
      const queueName = parseQueueName(parent ?? "");
      if (!task) throw invalid("CreateTaskRequest.task is required.");
      if (task.name) parseRequestedTaskName(queueName, task.name);
      const queue = state.requireQueue(queueName, true);
      const target = validateHttpTarget(requireHttpPayload(task));
      const createdAt = now();
      const timing = validateTiming(task, createdAt);
      const record: TaskRecord = {
        name: nameForNewTask(queue, task.name),
        target,
        scheduleTimeMs: timing.scheduleTimeMs,
        createTimeMs: Math.floor(createdAt / 1000) * 1000,
        dispatchDeadlineMs: timing.deadlineMs,
        dispatchCount: 0,
        responseCount: 0,
        executionCount: 0,
        previousResponse: undefined,
        firstAttempt: undefined,
        lastAttempt: undefined,
        inFlight: 0,
        removed: false,
      };
      queue.tasks.set(record.name.full, record);
      // Answer with the task as created, before the loop may start its first attempt.
      const created = taskToMessage(record, viewOf(responseView));
      loop.pump(queue);
      loop.notify();
      return created;
    },

    deleteTask(request) {
      const { name } = nameRequestSchema.parse(request);
      const { queue, task } = findTask(name ?? "", false);
      state.removeTask(queue, task, now());
      loop.notify();
      return {};
    },

    runTask(request) {
      const { name, responseView } = nameRequestSchema.parse(request);
      const { queue, task } = findTask(name ?? "", false);
      // Bypasses the token bucket, the concurrency cap and PAUSED, and may overlap a running attempt.
      loop.startAttempt(queue, task, "run-task");
      return taskToMessage(task, viewOf(responseView));
    },
  };
}
