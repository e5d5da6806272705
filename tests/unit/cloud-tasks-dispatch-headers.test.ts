import { describe, expect, it } from "vitest";
import {
  dispatchHeaders,
  responseStatusFor,
  type DispatchHeaderInput,
} from "../tools/cloud-tasks-emulator/dispatcher.ts";
import { formatEtaSeconds } from "../tools/cloud-tasks-emulator/wire.ts";

const base: DispatchHeaderInput = {
  callerHeaders: {},
  queueId: "generation",
  taskId: "t1",
  retryCount: 0,
  executionCount: 0,
  scheduleTimeMs: 1_721_236_265_266.817,
  previousResponse: undefined,
  authorization: undefined,
  bodyLength: undefined,
};

describe("dispatchHeaders", () => {
  it.each<{ name: string; input: DispatchHeaderInput; present: Record<string, string>; absent: string[] }>([
    {
      name: "first attempt: no retry-only headers",
      input: base,
      present: { "X-CloudTasks-TaskRetryCount": "0", "X-CloudTasks-TaskETA": "1721236265.266817" },
      absent: ["X-CloudTasks-TaskPreviousResponse", "X-CloudTasks-TaskRetryReason", "Content-Length"],
    },
    {
      name: "retry after a status: previous response and an empty retry reason",
      input: { ...base, retryCount: 2, executionCount: 1, previousResponse: 404 },
      present: {
        "X-CloudTasks-TaskPreviousResponse": "404",
        "X-CloudTasks-TaskRetryReason": "",
        "X-CloudTasks-TaskExecutionCount": "1",
      },
      absent: [],
    },
    {
      name: "retry after a connection error: retry-only headers omitted",
      input: { ...base, retryCount: 1, previousResponse: undefined },
      present: { "X-CloudTasks-TaskRetryCount": "1" },
      absent: ["X-CloudTasks-TaskPreviousResponse", "X-CloudTasks-TaskRetryReason"],
    },
    {
      name: "caller spoofing is replaced, their other headers kept with casing",
      input: {
        ...base,
        callerHeaders: {
          "x-cloudtasks-taskname": "spoof",
          "X-Google-Foo": "x",
          "X-AppEngine-Bar": "y",
          host: "evil",
          "content-type": "text/plain",
        },
      },
      present: {
        "X-CloudTasks-TaskName": "t1",
        "content-type": "text/plain",
        "User-Agent": "Google-Cloud-Tasks",
      },
      absent: ["x-cloudtasks-taskname", "X-Google-Foo", "X-AppEngine-Bar", "host", "Content-Type"],
    },
    {
      name: "token replaces the caller's Authorization; body length sent",
      input: {
        ...base,
        callerHeaders: { authorization: "Basic x" },
        authorization: "Bearer t",
        bodyLength: 12,
      },
      present: { Authorization: "Bearer t", "Content-Length": "12" },
      absent: ["authorization"],
    },
    {
      name: "caller Authorization kept without a token",
      input: { ...base, callerHeaders: { Authorization: "Basic x" } },
      present: { Authorization: "Basic x", "Accept-Encoding": "gzip" },
      absent: [],
    },
  ])("$name", ({ input, present, absent }) => {
    const headers = dispatchHeaders(input);
    expect(headers).toMatchObject(present);
    for (const name of absent) expect(headers).not.toHaveProperty([name]);
  });
});

describe("formatEtaSeconds", () => {
  it.each([
    { name: "microseconds kept", ms: 1_721_236_265_266.817, expected: "1721236265.266817" },
    { name: "whole seconds padded", ms: 1_700_000_000_000, expected: "1700000000.000000" },
    { name: "small fraction padded", ms: 1_700_000_000_000.005, expected: "1700000000.000005" },
  ])("$name", ({ ms, expected }) => {
    expect(formatEtaSeconds(ms)).toBe(expected);
  });
});

describe("responseStatusFor", () => {
  it.each([
    {
      name: "502 observed as INTERNAL",
      outcome: { kind: "response" as const, status: 502, retryAfter: undefined },
      code: 13,
    },
    {
      name: "404 → NOT_FOUND",
      outcome: { kind: "response" as const, status: 404, retryAfter: undefined },
      code: 5,
    },
    {
      name: "429 → RESOURCE_EXHAUSTED",
      outcome: { kind: "response" as const, status: 429, retryAfter: undefined },
      code: 8,
    },
    {
      name: "503 → UNAVAILABLE",
      outcome: { kind: "response" as const, status: 503, retryAfter: undefined },
      code: 14,
    },
    { name: "timeout → DEADLINE_EXCEEDED", outcome: { kind: "timeout" as const }, code: 4 },
    {
      name: "unmapped 418 → FAILED_PRECONDITION",
      outcome: { kind: "response" as const, status: 418, retryAfter: undefined },
      code: 9,
    },
  ])("$name", ({ outcome, code }) => {
    expect(responseStatusFor(outcome).code).toBe(code);
  });
});
