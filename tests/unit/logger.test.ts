import { context, trace, TraceFlags } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLogger,
  redactSecrets,
  withUniqueKeys,
  type Logger,
  type LoggerOptions,
} from "../../shared/logger.ts";
import { startTelemetry, type Telemetry } from "../../shared/telemetry/tracing-sdk.ts";
import { repeatedKeys } from "../tools/telemetry/log-keys.ts";

const KEY = "pl-secret-key-0123456789";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

// A context manager, so a span set on a context is the active one inside `context.with`.
let telemetry: Telemetry;
beforeAll(() => {
  telemetry = startTelemetry({
    serviceName: "logger-test",
    spanProcessors: [],
    detectGcp: false,
    instrumentations: [],
  });
});
afterAll(() => telemetry.shutdown());

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

  it("adds the active span's trace fields to every line, and none outside a span", () => {
    const { logger, records } = capture({ projectId: "demo-p" });
    const span = trace.wrapSpanContext({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    context.with(trace.setSpan(context.active(), span), () => logger.child({ jobId: "j1" }).info("step"));
    logger.info("outside");
    expect(records()[0]).toEqual({
      severity: "INFO",
      message: "step",
      time: expect.any(String),
      jobId: "j1",
      "logging.googleapis.com/trace": `projects/demo-p/traces/${TRACE_ID}`,
      "logging.googleapis.com/spanId": SPAN_ID,
      "logging.googleapis.com/trace_sampled": true,
    });
    expect(Object.keys(records()[1] ?? {})).toEqual(["severity", "time", "message"]);
  });

  it("writes no trace fields without a project id, and trace_sampled false for an unsampled span", () => {
    const bare = capture();
    const withProject = capture({ projectId: "demo-p" });
    const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.NONE });
    context.with(trace.setSpan(context.active(), span), () => {
      bare.logger.info("m");
      withProject.logger.info("m");
    });
    expect(bare.records()[0]).not.toHaveProperty(["logging.googleapis.com/trace"]);
    expect(withProject.records()[0]).toMatchObject({ "logging.googleapis.com/trace_sampled": false });
  });

  it.each([
    {
      name: "a child binding and a call field",
      log: (l: Logger) => l.child({ jobId: "a" }).info({ jobId: "b" }, "m"),
    },
    {
      name: "nested child bindings",
      log: (l: Logger) => l.child({ jobId: "a" }).child({ jobId: "b" }).info("m"),
    },
    {
      name: "a binding and the span's trace field",
      log: (l: Logger) => l.child({ "logging.googleapis.com/spanId": "a" }).info({ jobId: "b" }, "m"),
    },
  ])("writes each key once: $name (the later value wins)", ({ log }) => {
    const { logger, lines } = capture({ projectId: "demo-p" });
    const span = trace.wrapSpanContext({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    context.with(trace.setSpan(context.active(), span), () => log(logger));
    expect(lines).toHaveLength(1);
    expect(repeatedKeys(lines[0] ?? "")).toEqual([]);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ jobId: "b" });
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

describe("withUniqueKeys", () => {
  it.each([
    {
      name: "a repeated key keeps its first place and last value",
      line: '{"a":1,"b":2,"a":3}\n',
      expected: '{"a":3,"b":2}\n',
    },
    {
      name: "a line without repeats is unchanged",
      line: '{"a":"x","n":{"a":1}}\n',
      expected: '{"a":"x","n":{"a":1}}\n',
    },
    { name: "a line that is not JSON is unchanged", line: "not json\n", expected: "not json\n" },
  ])("$name", ({ line, expected }) => {
    expect(withUniqueKeys(line)).toBe(expected);
  });
});

describe("repeatedKeys (the test helper that reads repeats JSON.parse hides)", () => {
  it.each([
    { line: '{"jobId":"a","x":{"jobId":1},"jobId":"b"}', expected: ["jobId"] },
    { line: '{"s":"a \\"jobId\\":","jobId":1}', expected: [] },
    { line: '{"a":[{"a":1}],"b":"}"}', expected: [] },
  ])("$line", ({ line, expected }) => {
    expect(repeatedKeys(line)).toEqual(expected);
  });
});
