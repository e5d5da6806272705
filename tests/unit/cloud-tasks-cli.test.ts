import { describe, expect, it } from "vitest";
import { parseCliOptions } from "../tools/cloud-tasks-emulator/cli.ts";

const Q = "projects/demo-x/locations/us-central1/queues/generation";

describe("parseCliOptions", () => {
  it.each([
    { name: "defaults", argv: [], expected: { port: 8123, httpPort: 8124, queues: [] } },
    {
      name: "every flag",
      argv: [
        "--port",
        "9000",
        "--http-port=9001",
        "--host",
        "0.0.0.0",
        "--queue",
        Q,
        "--queue",
        `${Q}-2`,
        "--backoff-scale",
        "0.01",
        "--tombstone-ms",
        "500",
        "--issuer",
        "https://accounts.google.com",
        "--hard-reset-on-purge",
        "--dispatch-deadline-cap-ms",
        "200",
      ],
      expected: {
        port: 9000,
        httpPort: 9001,
        host: "0.0.0.0",
        queues: [Q, `${Q}-2`],
        backoffScale: 0.01,
        tombstoneMs: 500,
        issuer: "https://accounts.google.com",
        hardResetOnPurge: true,
        dispatchDeadlineCapMs: 200,
      },
    },
    { name: "help", argv: ["--help"], expected: "help" },
  ])("$name", ({ argv, expected }) => {
    expect(parseCliOptions(argv)).toEqual(expected);
  });

  it.each([
    {
      name: "non-numeric port",
      argv: ["--port", "abc"],
      error: '--port expects a non-negative number, got "abc"',
    },
    {
      name: "port out of range",
      argv: ["--port", "70000"],
      error: '--port expects a port 0-65535, got "70000"',
    },
    { name: "zero backoff scale", argv: ["--backoff-scale", "0"], error: "--backoff-scale must be > 0" },
    { name: "missing value", argv: ["--queue"], error: "--queue expects a value" },
    { name: "bad queue name", argv: ["--queue", "generation"], error: "Queue name must be formatted" },
    { name: "unknown flag", argv: ["--verbose"], error: 'unknown option "--verbose"' },
  ])("rejects $name", ({ argv, error }) => {
    expect(() => parseCliOptions(argv)).toThrow(error);
  });
});
