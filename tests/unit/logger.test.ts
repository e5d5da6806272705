import { describe, expect, it } from "vitest";
import {
  createLogger,
  parseTraceContext,
  redactSecrets,
  traceFields,
  type LoggerOptions,
} from "../../shared/logger.ts";

const KEY = "pl-secret-key-0123456789";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

/** A logger whose lines are kept in memory, each parsed as JSON (which fails on a non-JSON line). */
function capture(options: Omit<LoggerOptions, "destination"> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    ...options,
    destination: { write: (line: string) => void lines.push(line) },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe("createLogger", () => {
  it("writes one Cloud Logging JSON object per line", () => {
    const { logger, lines, records } = capture();
    logger.info({ jobId: "j1", userId: "u1", attempt: 2 }, "claimed");
    logger.warn("second");
    expect(lines).toHaveLength(2);
    lines.forEach((line) => expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true));
    const [first] = records();
    expect(first).toEqual({
      severity: "INFO",
      message: "claimed",
      time: expect.any(String),
      jobId: "j1",
      userId: "u1",
      attempt: 2,
    });
    expect(new Date(String(first?.time)).toISOString()).toBe(first?.time);
  });

  it.each([
    { method: "debug", severity: "DEBUG" },
    { method: "info", severity: "INFO" },
    { method: "warn", severity: "WARNING" },
    { method: "error", severity: "ERROR" },
    { method: "fatal", severity: "CRITICAL" },
  ] as const)("maps $method to severity $severity", ({ method, severity }) => {
    const { logger, records } = capture({ level: "debug" });
    logger[method]("m");
    expect(records()).toEqual([expect.objectContaining({ severity, message: "m" })]);
    expect(records()[0]).not.toHaveProperty("level");
  });

  it.each([
    { level: "info", written: ["INFO", "WARNING", "ERROR"] },
    { level: "warn", written: ["WARNING", "ERROR"] },
    { level: "error", written: ["ERROR"] },
  ] as const)("level $level drops lower severities", ({ level, written }) => {
    const { logger, records } = capture({ level });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(records().map((r) => r.severity)).toEqual(written);
  });

  it("adds the trace fields to every line of a request's child logger", () => {
    const { logger, records } = capture();
    const trace = parseTraceContext({ cloudTrace: `${TRACE_ID}/1;o=1` });
    logger.child({ ...traceFields(trace, "demo-p"), jobId: "j1" }).info("step");
    expect(records()[0]).toMatchObject({
      "logging.googleapis.com/trace": `projects/demo-p/traces/${TRACE_ID}`,
      "logging.googleapis.com/spanId": "0000000000000001",
      "logging.googleapis.com/trace_sampled": true,
      jobId: "j1",
    });
  });

  it.each([
    { name: "apiKey field", log: (l: ReturnType<typeof createLogger>) => l.info({ apiKey: KEY }, "m") },
    {
      name: "nested apiKey",
      log: (l: ReturnType<typeof createLogger>) => l.info({ pixellab: { apiKey: KEY } }, "m"),
    },
    {
      name: "authorization header",
      log: (l: ReturnType<typeof createLogger>) =>
        l.info({ headers: { authorization: `Bearer ${KEY}` } }, "m"),
    },
    { name: "token field", log: (l: ReturnType<typeof createLogger>) => l.info({ token: KEY }, "m") },
    {
      name: "secret in the message",
      log: (l: ReturnType<typeof createLogger>) => l.info(`calling with ${KEY}`),
    },
    {
      name: "secret in an interpolated arg",
      log: (l: ReturnType<typeof createLogger>) => l.info("key %s", KEY),
    },
    {
      name: "secret in a free-text field",
      log: (l: ReturnType<typeof createLogger>) => l.warn({ detail: `echoed ${KEY}` }, "m"),
    },
    {
      name: "secret deep in a config object",
      log: (l: ReturnType<typeof createLogger>) => l.info({ config: { pixellab: { apiKey: KEY } } }, "m"),
    },
    {
      name: "secret in an error message",
      log: (l: ReturnType<typeof createLogger>) => l.error(new Error(`401 for ${KEY}`)),
    },
    {
      name: "secret in child bindings",
      log: (l: ReturnType<typeof createLogger>) => l.child({ auth: KEY }).info("m"),
    },
  ])("never writes the secret: $name", ({ log }) => {
    const { logger, lines, records } = capture({ secrets: [KEY, undefined] });
    log(logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(KEY);
    expect(lines[0]).toContain("[REDACTED]");
    expect(records()).toHaveLength(1);
  });
});

it("redacts a secret that JSON has to escape", () => {
  const secret = 'k"ey\\with-quote';
  const { logger, lines } = capture({ secrets: [secret] });
  logger.info({ detail: secret }, "m");
  expect(JSON.parse(lines[0] ?? "")).toMatchObject({ detail: "[REDACTED]" });
});

describe("redactSecrets", () => {
  it.each([
    {
      name: "every occurrence",
      text: "a KEY b KEY",
      secrets: ["KEY"],
      expected: "a [REDACTED] b [REDACTED]",
    },
    { name: "several secrets", text: "x1 y2", secrets: ["x1", "y2"], expected: "[REDACTED] [REDACTED]" },
    { name: "no secrets", text: "plain", secrets: [], expected: "plain" },
  ])("replaces $name", ({ text, secrets, expected }) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });
});

describe("parseTraceContext", () => {
  it.each([
    {
      name: "W3C traceparent, sampled",
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
      expected: { traceId: TRACE_ID, spanId: "00f067aa0ba902b7", sampled: true },
    },
    {
      name: "W3C traceparent, not sampled",
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00` },
      expected: { traceId: TRACE_ID, spanId: "00f067aa0ba902b7", sampled: false },
    },
    {
      name: "traceparent wins over the Cloud header",
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, cloudTrace: `${"a".repeat(32)};o=0` },
      expected: { traceId: TRACE_ID, spanId: "00f067aa0ba902b7", sampled: true },
    },
    {
      name: "Cloud header with decimal span, sampled",
      headers: { cloudTrace: `${TRACE_ID.toUpperCase()}/255;o=1` },
      expected: { traceId: TRACE_ID, spanId: "00000000000000ff", sampled: true },
    },
    {
      name: "Cloud header, trace only",
      headers: { cloudTrace: TRACE_ID },
      expected: { traceId: TRACE_ID, sampled: false },
    },
    {
      name: "bad traceparent falls back",
      headers: { traceparent: "garbage", cloudTrace: `${TRACE_ID};o=1` },
      expected: { traceId: TRACE_ID, sampled: true },
    },
    { name: "no headers", headers: {}, expected: undefined },
    { name: "short trace id", headers: { cloudTrace: "abc/1;o=1" }, expected: undefined },
    { name: "non-decimal span", headers: { cloudTrace: `${TRACE_ID}/zz` }, expected: undefined },
  ])("$name", ({ headers, expected }) => {
    expect(parseTraceContext(headers)).toEqual(expected);
  });
});

describe("traceFields", () => {
  it.each([
    {
      name: "with span",
      trace: { traceId: TRACE_ID, spanId: "00000000000000ff", sampled: true },
      expected: {
        "logging.googleapis.com/trace": `projects/p-1/traces/${TRACE_ID}`,
        "logging.googleapis.com/spanId": "00000000000000ff",
        "logging.googleapis.com/trace_sampled": true,
      },
    },
    {
      name: "without span",
      trace: { traceId: TRACE_ID, sampled: false },
      expected: {
        "logging.googleapis.com/trace": `projects/p-1/traces/${TRACE_ID}`,
        "logging.googleapis.com/trace_sampled": false,
      },
    },
    { name: "without trace", trace: undefined, expected: {} },
  ])("$name", ({ trace, expected }) => {
    expect(traceFields(trace, "p-1")).toEqual(expected);
  });
});
