import { describe, expect, it } from "vitest";
import { pageOf } from "../tools/cloud-tasks-emulator/rpc-context.ts";
import { validateHttpTarget, validateTiming } from "../tools/cloud-tasks-emulator/task-record.ts";
import type { HttpRequestMessage, TaskMessage } from "../tools/cloud-tasks-emulator/wire.ts";

const url = "http://127.0.0.1:8080/run";
const NOW = 1_700_000_000_000;

describe("validateHttpTarget", () => {
  it.each<{ name: string; request: HttpRequestMessage; error?: string; method?: string }>([
    { name: "method defaults to POST", request: { url }, method: "POST" },
    { name: "GET without body", request: { url, httpMethod: "GET" }, method: "GET" },
    {
      name: "body on DELETE",
      request: { url, httpMethod: "DELETE", body: Buffer.from("x") },
      error: "POST, PUT or PATCH",
    },
    { name: "relative URL", request: { url: "/run" }, error: "not a valid absolute URL" },
    { name: "ftp URL", request: { url: "ftp://host/x" }, error: 'must start with "http://" or "https://"' },
    { name: "URL over 2083 characters", request: { url: `${url}?q=${"a".repeat(2100)}` }, error: "2083" },
    {
      name: "exactly 1 MiB task",
      request: { url, body: Buffer.alloc(1024 * 1024 - url.length) },
      method: "POST",
    },
    {
      name: "one byte over 1 MiB",
      request: { url, body: Buffer.alloc(1024 * 1024 - url.length + 1) },
      error: "exceeds the maximum",
    },
    {
      name: "headers of 80 KB",
      request: { url, headers: { "X-Big": "a".repeat(80 * 1024) } },
      error: "less than 81920 bytes",
    },
    {
      name: "OIDC without a service account",
      request: { url, oidcToken: { audience: "a" } },
      error: "service_account_email",
    },
  ])("$name", ({ request, error, method }) => {
    if (error !== undefined) expect(() => validateHttpTarget(request)).toThrow(error);
    else expect(validateHttpTarget(request).method).toBe(method);
  });

  it("forces the User-Agent whatever casing the caller used", () => {
    const target = validateHttpTarget({ url, headers: { "user-agent": "mine", "content-type": "a/b" } });
    expect(target.headers).toEqual({ "content-type": "a/b", "User-Agent": "Google-Cloud-Tasks" });
  });
});

describe("validateTiming", () => {
  const seconds = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  it.each<{
    name: string;
    task: TaskMessage;
    expected?: { scheduleTimeMs: number; deadlineMs: number };
    error?: string;
  }>([
    { name: "defaults: now and 10 min", task: {}, expected: { scheduleTimeMs: NOW, deadlineMs: 600_000 } },
    {
      name: "past schedule becomes now",
      task: { scheduleTime: seconds(NOW - 60_000) },
      expected: { scheduleTimeMs: NOW, deadlineMs: 600_000 },
    },
    {
      name: "future schedule kept",
      task: { scheduleTime: seconds(NOW + 5_000) },
      expected: { scheduleTimeMs: NOW + 5_000, deadlineMs: 600_000 },
    },
    {
      name: "15 s deadline",
      task: { dispatchDeadline: { seconds: 15 } },
      expected: { scheduleTimeMs: NOW, deadlineMs: 15_000 },
    },
    {
      name: "30 min deadline",
      task: { dispatchDeadline: { seconds: 1800 } },
      expected: { scheduleTimeMs: NOW, deadlineMs: 1_800_000 },
    },
    {
      name: "deadline just below 15 s",
      task: { dispatchDeadline: { seconds: 14, nanos: 999_000_000 } },
      error: "dispatch_deadline",
    },
    {
      name: "deadline above 30 min",
      task: { dispatchDeadline: { seconds: 1800, nanos: 1_000_000 } },
      error: "dispatch_deadline",
    },
    { name: "31 days ahead", task: { scheduleTime: seconds(NOW + 31 * 86_400_000) }, error: "30 days" },
  ])("$name", ({ task, expected, error }) => {
    if (error !== undefined) expect(() => validateTiming(task, NOW)).toThrow(error);
    else expect(validateTiming(task, NOW)).toEqual(expected);
  });
});

describe("pageOf", () => {
  const items = ["e", "a", "d", "c", "b"].map((name) => ({ name }));
  it("pages in name order and ends with an empty token", () => {
    const first = pageOf(items, 2, "", 1000);
    const second = pageOf(items, 2, first.nextPageToken, 1000);
    const third = pageOf(items, 2, second.nextPageToken, 1000);
    expect([first, second, third].map((p) => p.page.map((i) => i.name))).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["e"],
    ]);
    expect(third.nextPageToken).toBe("");
  });

  it.each([
    { name: "page size 0 uses the maximum", pageSize: 0, max: 3, size: 3 },
    { name: "a larger page size is clamped", pageSize: 50, max: 4, size: 4 },
  ])("$name", ({ pageSize, max, size }) => {
    expect(pageOf(items, pageSize, undefined, max).page).toHaveLength(size);
  });

  it.each([
    { name: "garbage token", pageSize: 1, token: "%%%", error: "Invalid page token." },
    { name: "negative page size", pageSize: -1, token: "", error: "page_size must not be negative." },
  ])("rejects $name", ({ pageSize, token, error }) => {
    expect(() => pageOf(items, pageSize, token, 10)).toThrow(error);
  });
});
