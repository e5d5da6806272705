import { describe, expect, it } from "vitest";
import {
  classifyFailure,
  classifyHttpStatus,
  classifyThrown,
  parseRetryAfter,
  type FailureSignal,
} from "../../shared/error-classifier.ts";
import { ERROR_TYPES, JobError, RETRYABLE, isErrorType, type ErrorType } from "../../shared/errors.ts";

const withCode = (error: Error, code: unknown) => Object.assign(error, { code });

describe("error taxonomy", () => {
  it.each([
    { type: "validation", retryable: false },
    { type: "authentication", retryable: false },
    { type: "quota", retryable: false },
    { type: "rate_limit", retryable: true },
    { type: "timeout", retryable: true },
    { type: "upstream", retryable: true },
    { type: "network", retryable: true },
  ] as const)("$type is retryable: $retryable", ({ type, retryable }) => {
    expect(RETRYABLE[type]).toBe(retryable);
    expect(new JobError({ type, message: "m" }).retryable).toBe(retryable);
  });

  it("has exactly seven types", () => {
    expect([...ERROR_TYPES].sort()).toEqual(Object.keys(RETRYABLE).sort());
    expect(ERROR_TYPES).toHaveLength(7);
  });

  it.each([
    { name: "a known type", value: "quota", expected: true },
    { name: "an unknown type", value: "fatal", expected: false },
    { name: "a non-string", value: 3, expected: false },
  ])("isErrorType: $name → $expected", ({ value, expected }) => {
    expect(isErrorType(value)).toBe(expected);
  });

  it.each([
    {
      name: "with status",
      init: { type: "rate_limit", message: "slow down", status: 429, retryAfterMs: 5_000 },
      json: { type: "rate_limit", message: "slow down", retryable: true, status: 429 },
    },
    {
      name: "without status",
      init: { type: "network", message: "reset" },
      json: { type: "network", message: "reset", retryable: true, status: null },
    },
  ] as const)("JobError $name serialises to the stored shape", ({ init, json }) => {
    const error = new JobError(init);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("JobError");
    expect(error.toJSON()).toEqual(json);
    expect(JSON.parse(JSON.stringify(error))).toEqual(json);
    expect(error.details).toEqual([]);
  });

  it("keeps the cause and the field problems", () => {
    const cause = new Error("socket");
    const details = [{ path: "input.seed", message: "too small" }];
    const error = new JobError({ type: "validation", message: "bad", details, cause });
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual(details);
  });
});

describe("classifyHttpStatus", () => {
  it.each<{ status: number; type: ErrorType }>([
    { status: 400, type: "validation" },
    { status: 404, type: "validation" },
    { status: 409, type: "validation" },
    { status: 413, type: "validation" },
    { status: 422, type: "validation" },
    { status: 401, type: "authentication" },
    { status: 403, type: "authentication" },
    { status: 402, type: "quota" },
    { status: 429, type: "rate_limit" },
    { status: 529, type: "rate_limit" },
    { status: 408, type: "timeout" },
    { status: 504, type: "timeout" },
    { status: 423, type: "upstream" },
    { status: 425, type: "upstream" },
    { status: 500, type: "upstream" },
    { status: 502, type: "upstream" },
    { status: 503, type: "upstream" },
    { status: 599, type: "upstream" },
    { status: 200, type: "upstream" },
    { status: 302, type: "upstream" },
    { status: 0, type: "upstream" },
  ])("HTTP $status → $type", ({ status, type }) => {
    expect(classifyHttpStatus(status)).toBe(type);
    expect(classifyFailure({ kind: "http", status })).toBe(type);
  });
});

describe("classifyFailure", () => {
  it.each<{ name: string; signal: FailureSignal; type: ErrorType }>([
    { name: "abort", signal: { kind: "abort" }, type: "timeout" },
    { name: "malformed 200", signal: { kind: "malformed" }, type: "upstream" },
    { name: "ECONNREFUSED", signal: { kind: "network", code: "ECONNREFUSED" }, type: "network" },
    { name: "ECONNRESET", signal: { kind: "network", code: "ECONNRESET" }, type: "network" },
    { name: "ENOTFOUND", signal: { kind: "network", code: "ENOTFOUND" }, type: "network" },
    { name: "network without code", signal: { kind: "network" }, type: "network" },
    { name: "unrecognised code", signal: { kind: "network", code: "EWHATEVER" }, type: "network" },
    { name: "ETIMEDOUT", signal: { kind: "network", code: "ETIMEDOUT" }, type: "timeout" },
    {
      name: "undici headers timeout",
      signal: { kind: "network", code: "UND_ERR_HEADERS_TIMEOUT" },
      type: "timeout",
    },
    {
      name: "undici connect timeout",
      signal: { kind: "network", code: "UND_ERR_CONNECT_TIMEOUT" },
      type: "timeout",
    },
    { name: "unknown thrown string", signal: { kind: "unknown", error: "boom" }, type: "upstream" },
    { name: "unknown undefined", signal: { kind: "unknown", error: undefined }, type: "upstream" },
    {
      name: "unknown Error with code",
      signal: { kind: "unknown", error: withCode(new Error("x"), "EPIPE") },
      type: "network",
    },
  ])("$name → $type", ({ signal, type }) => {
    expect(classifyFailure(signal)).toBe(type);
  });
});

describe("classifyThrown", () => {
  it.each<{ name: string; error: unknown; type: ErrorType }>([
    { name: "AbortError", error: new DOMException("aborted", "AbortError"), type: "timeout" },
    { name: "TimeoutError", error: new DOMException("timed out", "TimeoutError"), type: "timeout" },
    {
      name: "fetch failed with ECONNREFUSED cause",
      error: new TypeError("fetch failed", { cause: withCode(new Error("connect"), "ECONNREFUSED") }),
      type: "network",
    },
    {
      name: "fetch failed with a timeout cause",
      error: new TypeError("fetch failed", { cause: withCode(new Error("t"), "UND_ERR_BODY_TIMEOUT") }),
      type: "timeout",
    },
    { name: "fetch failed without cause", error: new TypeError("fetch failed"), type: "network" },
    { name: "code on the error itself", error: withCode(new Error("x"), "ESOCKETTIMEDOUT"), type: "timeout" },
    { name: "numeric code is ignored", error: withCode(new Error("x"), 42), type: "upstream" },
    { name: "plain Error", error: new Error("unexpected"), type: "upstream" },
    { name: "other TypeError", error: new TypeError("x is not a function"), type: "upstream" },
    { name: "non-Error object", error: { code: "ECONNRESET" }, type: "upstream" },
    { name: "null", error: null, type: "upstream" },
  ])("$name → $type", ({ error, type }) => {
    expect(classifyThrown(error)).toBe(type);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2015, 9, 21, 7, 28, 0);
  it.each([
    { name: "delta-seconds", value: "120", expected: 120_000 },
    { name: "zero", value: "0", expected: 0 },
    { name: "padded", value: "  3 ", expected: 3_000 },
    { name: "fractional seconds", value: "1.5", expected: 1_500 },
    { name: "HTTP date in the future", value: "Wed, 21 Oct 2015 07:29:30 GMT", expected: 90_000 },
    { name: "HTTP date in the past", value: "Wed, 21 Oct 2015 07:00:00 GMT", expected: 0 },
    { name: "absent (null)", value: null, expected: undefined },
    { name: "absent (undefined)", value: undefined, expected: undefined },
    { name: "empty", value: "", expected: undefined },
    { name: "garbage", value: "soon", expected: undefined },
    { name: "exponent notation", value: "1e3", expected: undefined },
  ])("$name: $value → $expected", ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
