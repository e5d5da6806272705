import { describe, expect, it } from "vitest";
import {
  badTaskIdMessage,
  generateTaskId,
  parseLocationName,
  parseQueueName,
  parseRequestedTaskName,
  parseTaskName,
  QUEUE_NAME_FORMAT,
  TASK_NAME_FORMAT,
} from "../tools/cloud-tasks-emulator/names.ts";

const Q = "projects/demo-x/locations/us-central1/queues/generation";

describe("queue and task names", () => {
  it.each([
    { name: "plain", input: Q, ok: true },
    { name: "domain-scoped project", input: "projects/example.com:app/locations/l/queues/q-1", ok: true },
    { name: "100-character queue id", input: `projects/p/locations/l/queues/${"q".repeat(100)}`, ok: true },
    { name: "101-character queue id", input: `projects/p/locations/l/queues/${"q".repeat(101)}`, ok: false },
    { name: "underscore in queue id", input: "projects/p/locations/l/queues/my_queue", ok: false },
    { name: "missing segment", input: "projects/p/queues/q", ok: false },
    { name: "trailing slash", input: `${Q}/`, ok: false },
  ])("parseQueueName: $name", ({ input, ok }) => {
    if (ok) expect(parseQueueName(input).full).toBe(input);
    else expect(() => parseQueueName(input)).toThrow(QUEUE_NAME_FORMAT);
  });

  it.each([
    { name: "generated-style id", input: `${Q}/tasks/16520968670258952483`, error: undefined },
    { name: "letters, digits, - and _", input: `${Q}/tasks/job-1_a`, error: undefined },
    { name: "500 characters", input: `${Q}/tasks/${"a".repeat(500)}`, error: undefined },
    {
      name: "501 characters",
      input: `${Q}/tasks/${"a".repeat(501)}`,
      error: badTaskIdMessage("a".repeat(501)),
    },
    { name: "empty id", input: `${Q}/tasks/`, error: badTaskIdMessage("") },
    { name: "dot in id", input: `${Q}/tasks/a.b`, error: badTaskIdMessage("a.b") },
    { name: "not a task name", input: Q, error: TASK_NAME_FORMAT },
  ])("parseTaskName: $name", ({ input, error }) => {
    if (error === undefined) expect(parseTaskName(input).full).toBe(input);
    else expect(() => parseTaskName(input)).toThrow(error);
  });

  it("rejects a task named in another queue with production's message", () => {
    const other = "projects/demo-x/locations/us-central1/queues/other";
    expect(() => parseRequestedTaskName(parseQueueName(Q), `${other}/tasks/t`)).toThrow(
      `The queue name from request ('${Q}') must be the same as the queue name in the named task ('${other}').`,
    );
    expect(parseLocationName("projects/p/locations/l")).toEqual({ project: "p", location: "l" });
  });

  it.each([
    { name: "max u64", bytes: [255, 255, 255, 255, 255, 255, 255, 255], expected: "18446744073709551615" },
    {
      name: "exactly 10^18",
      bytes: [0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00],
      expected: "1000000000000000000",
    },
  ])("generateTaskId: $name", ({ bytes, expected }) => {
    expect(generateTaskId(() => Uint8Array.from(bytes))).toBe(expected);
  });

  it("generateTaskId draws again below 19 digits and always yields 19-20 digits", () => {
    const draws = [new Uint8Array(8), Uint8Array.from([255, 0, 0, 0, 0, 0, 0, 1])];
    expect(generateTaskId(() => draws.shift() ?? new Uint8Array(8))).toBe("18374686479671623681");
    for (let i = 0; i < 200; i++) expect(generateTaskId()).toMatch(/^[1-9]\d{18,19}$/);
  });
});
