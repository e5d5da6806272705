import { randomBytes } from "node:crypto";
import { invalid } from "./rpc-error.ts";

/** A parsed `projects/{project}/locations/{location}/queues/{queue}` name. */
export interface QueueName {
  project: string;
  location: string;
  queueId: string;
  /** The full resource name. */
  full: string;
}

/** A parsed `…/queues/{queue}/tasks/{task}` name. */
export interface TaskName {
  queue: QueueName;
  taskId: string;
  full: string;
}

// PROJECT_ID allows [A-Za-z0-9:.-] (domain-scoped projects); QUEUE_ID [A-Za-z0-9-], 1-100 characters.
const PROJECT = "[A-Za-z0-9:.-]+";
const LOCATION = "[A-Za-z0-9-]+";
const QUEUE_ID = "[A-Za-z0-9-]{1,100}";
const LOCATION_RE = new RegExp(`^projects/(${PROJECT})/locations/(${LOCATION})$`);
const QUEUE_RE = new RegExp(`^projects/(${PROJECT})/locations/(${LOCATION})/queues/(${QUEUE_ID})$`);
const TASK_RE = new RegExp(`^(projects/${PROJECT}/locations/${LOCATION}/queues/[^/]+)/tasks/([^/]*)$`);
const TASK_ID_RE = /^[A-Za-z0-9_-]{1,500}$/;

export const QUEUE_NAME_FORMAT =
  'Queue name must be formatted: "projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>".';
/** Not recorded from production; shaped like the recorded queue message. */
export const TASK_NAME_FORMAT =
  'Task name must be formatted: "projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>/tasks/<TASK_ID>".';
/** Not recorded from production; shaped like the recorded queue message. */
export const PARENT_FORMAT = 'Parent must be formatted: "projects/<PROJECT_ID>/locations/<LOCATION_ID>".';

/** The recorded message for a task id with bad characters or length. */
export function badTaskIdMessage(taskId: string): string {
  return (
    `Task ID "${taskId}" can contain only letters ([A-Za-z]), numbers ([0-9]), hyphens (-), or underscores (_). ` +
    "Task ID must between 1 and 500 characters."
  );
}

/** Parses a location (`projects/P/locations/L`), the parent of queues; throws INVALID_ARGUMENT. */
export function parseLocationName(name: string): { project: string; location: string } {
  const match = LOCATION_RE.exec(name);
  if (match === null) throw invalid(PARENT_FORMAT);
  return { project: match[1] ?? "", location: match[2] ?? "" };
}

/** Parses a queue name; throws INVALID_ARGUMENT with production's message. */
export function parseQueueName(name: string): QueueName {
  const match = QUEUE_RE.exec(name);
  if (match === null) throw invalid(QUEUE_NAME_FORMAT);
  return { project: match[1] ?? "", location: match[2] ?? "", queueId: match[3] ?? "", full: name };
}

/** Parses a task name; throws INVALID_ARGUMENT for a malformed name or a bad task id. */
export function parseTaskName(name: string): TaskName {
  const match = TASK_RE.exec(name);
  if (match === null) throw invalid(TASK_NAME_FORMAT);
  const queue = parseQueueName(match[1] ?? "");
  const taskId = match[2] ?? "";
  if (!TASK_ID_RE.test(taskId)) throw invalid(badTaskIdMessage(taskId));
  return { queue, taskId, full: name };
}

/**
 * The name a CreateTask request asks for, checked against its parent queue: production answers
 * INVALID_ARGUMENT with this recorded message when the two disagree.
 */
export function parseRequestedTaskName(parent: QueueName, name: string): TaskName {
  const parsed = parseTaskName(name);
  if (parsed.queue.full !== parent.full) {
    throw invalid(
      `The queue name from request ('${parent.full}') must be the same as the queue name in the named task ('${parsed.queue.full}').`,
    );
  }
  return parsed;
}

/** Returns `count` random bytes; injected so tests can make ids deterministic. */
export type RandomBytes = (count: number) => Uint8Array;

const MIN_19_DIGITS = 10n ** 18n;

/**
 * A task id like production's auto-generated ones: a random unsigned 64-bit integer in decimal,
 * 19-20 digits (e.g. `16520968670258952483`). Values below 10^18 are drawn again.
 */
export function generateTaskId(random: RandomBytes = randomBytes): string {
  for (;;) {
    const bytes = random(8);
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    if (value >= MIN_19_DIGITS) return value.toString();
  }
}
