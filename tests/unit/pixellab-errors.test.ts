import { describe, expect, it } from "vitest";
import { errorFromHttp, errorFromThrown, redact } from "../../shared/pixellab/pixellab-errors.ts";

const KEY = "sk-secret-123";
const NOW = Date.parse("2026-01-01T00:00:00Z");

function http(status: number, body: unknown, retryAfter: string | null = null) {
  const bodyText = typeof body === "string" ? body : JSON.stringify(body);
  return errorFromHttp({ status, bodyText, retryAfter, nowMs: NOW, apiKey: KEY });
}

describe("errorFromHttp maps PixelLab statuses to the domain's error types", () => {
  const cases = [
    {
      name: "401 invalid token",
      status: 401,
      body: { detail: "Invalid API token" },
      type: "authentication",
      retryable: false,
    },
    {
      name: "403 someone else's resource",
      status: 403,
      body: { detail: "Forbidden" },
      type: "authentication",
      retryable: false,
    },
    {
      name: "402 insufficient credits",
      status: 402,
      body: { detail: "Insufficient credits" },
      type: "quota",
      retryable: false,
    },
    {
      name: "400 bad request",
      status: 400,
      body: { detail: "invalid size" },
      type: "validation",
      retryable: false,
    },
    { name: "422 FastAPI list", status: 422, body: { detail: [] }, type: "validation", retryable: false },
    {
      name: "429 too many requests",
      status: 429,
      body: { detail: "Too many requests" },
      type: "rate_limit",
      retryable: true,
    },
    {
      name: "529 rate limit exceeded",
      status: 529,
      body: { detail: "Rate limit exceeded" },
      type: "rate_limit",
      retryable: true,
    },
    { name: "500 HTML page", status: 500, body: "<html>oops</html>", type: "upstream", retryable: true },
    { name: "503 empty body", status: 503, body: "", type: "upstream", retryable: true },
  ];
  it.each(cases)("$name", ({ status, body, type, retryable }) => {
    const error = http(status, body);
    expect({ type: error.type, retryable: error.retryable, status: error.status }).toEqual({
      type,
      retryable,
      status,
    });
    expect(error.message).toContain(`HTTP ${status}`);
  });
});

describe("errorFromHttp details", () => {
  it("keeps the FastAPI detail list as field problems, without the leading 'body'", () => {
    const error = http(422, {
      detail: [
        {
          type: "greater_than_equal",
          loc: ["body", "image_size", "width"],
          msg: "Input should be greater than or equal to 16",
          input: 8,
        },
        {
          type: "extra_forbidden",
          loc: ["body", "forced_palette"],
          msg: "Extra inputs are not permitted",
          input: null,
        },
      ],
    });
    expect(error.details).toEqual([
      {
        path: "image_size.width",
        message: "Input should be greater than or equal to 16 (greater_than_equal)",
      },
      { path: "forced_palette", message: "Extra inputs are not permitted (extra_forbidden)" },
    ]);
    expect(error.message).toContain("image_size.width");
  });

  const retryCases = [
    { name: "delta seconds", header: "3", expected: 3000 },
    { name: "HTTP date 10 s ahead", header: new Date(NOW + 10_000).toUTCString(), expected: 10_000 },
    { name: "absent", header: null, expected: undefined },
    { name: "garbage", header: "soon", expected: undefined },
  ];
  it.each(retryCases)("Retry-After: $name", ({ header, expected }) => {
    expect(http(429, { detail: "Too many requests" }, header).retryAfterMs).toBe(expected);
  });

  it("falls back to `message` when there is no `detail` (JS SDK behaviour)", () => {
    expect(http(500, { message: "boom" }).message).toContain("boom");
  });

  it("never quotes the key, even when the upstream echoes it", () => {
    const error = http(401, { detail: `Invalid API token ${KEY} (Authorization: Bearer ${KEY})` });
    for (const text of [error.message, String(error), JSON.stringify(error), JSON.stringify(error.details)]) {
      expect(text).not.toContain(KEY);
    }
  });
});

describe("errorFromThrown", () => {
  const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
  const cases = [
    {
      name: "our signal aborted",
      error: new DOMException("aborted", "AbortError"),
      aborted: true,
      type: "timeout",
    },
    { name: "abort with a custom reason", error: new Error("deadline"), aborted: true, type: "timeout" },
    { name: "connection refused", error: refused, aborted: false, type: "network" },
    {
      name: "socket reset",
      error: Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } }),
      aborted: false,
      type: "network",
    },
  ];
  it.each(cases)("$name → $type", ({ error, aborted, type }) => {
    const result = errorFromThrown(error, aborted, KEY, "rotate call");
    expect(result.type).toBe(type);
    expect(result.message).toContain("rotate call");
  });
});

describe("redact", () => {
  const cases = [
    { name: "the key itself", text: `key=${KEY}!`, expected: "key=[redacted]!" },
    {
      name: "any bearer token",
      text: "Authorization: Bearer other-token",
      expected: "Authorization: Bearer [redacted]",
    },
    { name: "nothing to hide", text: "plain", expected: "plain" },
  ];
  it.each(cases)("$name", ({ text, expected }) => {
    expect(redact(text, KEY)).toBe(expected);
  });
});
