import { describe, expect, it } from "vitest";
import { parseTraceArgs } from "../tools/trace/trace-options.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const DEFAULTS = { jobId: "job-1", file: ".tmp/stack/spans.jsonl", firestore: "127.0.0.1:8080" };

describe("parseTraceArgs", () => {
  it.each([
    { name: "a job id", argv: ["job-1"], env: {}, expected: DEFAULTS },
    {
      name: "--file",
      argv: ["job-1", "--file", "/tmp/s.jsonl"],
      env: {},
      expected: { ...DEFAULTS, file: "/tmp/s.jsonl" },
    },
    {
      name: "--file=value first",
      argv: ["--file=/tmp/s.jsonl", "job-1"],
      env: {},
      expected: { ...DEFAULTS, file: "/tmp/s.jsonl" },
    },
    {
      name: "the stack's moved Firestore port",
      argv: ["job-1"],
      env: { STACK_FIRESTORE_PORT: "18080" },
      expected: { ...DEFAULTS, firestore: "127.0.0.1:18080" },
    },
    {
      name: "--firestore",
      argv: ["job-1", "--firestore", "localhost:9000"],
      env: {},
      expected: { ...DEFAULTS, firestore: "localhost:9000" },
    },
    {
      name: "--no-firestore",
      argv: ["job-1", "--no-firestore"],
      env: {},
      expected: { jobId: "job-1", file: DEFAULTS.file },
    },
    {
      name: "--trace alone, upper case accepted",
      argv: ["--trace", TRACE.toUpperCase()],
      env: {},
      expected: { jobId: "", traceId: TRACE, file: DEFAULTS.file, firestore: DEFAULTS.firestore },
    },
    { name: "help wins", argv: ["job-1", "--bogus", "--help"], env: {}, expected: "help" },
  ])("$name", ({ argv, env, expected }) => {
    expect(parseTraceArgs(argv, env)).toEqual(expected);
  });

  it.each([
    { name: "nothing", argv: [], env: {}, message: "which job? give its id (or --trace <traceId>)" },
    { name: "two job ids", argv: ["a", "b"], env: {}, message: 'one job id, got "a" and "b"' },
    {
      name: "a job id with a slash",
      argv: ["a/b"],
      env: {},
      message: 'job id "a/b": expected 1-128 letters, digits, - or _',
    },
    { name: "unknown flag", argv: ["a", "--fil", "x"], env: {}, message: 'unknown option "--fil"' },
    { name: "a flag without its value", argv: ["a", "--file"], env: {}, message: "--file needs a value" },
    {
      name: "a short trace id",
      argv: ["--trace", "abc"],
      env: {},
      message: '--trace "abc": expected 32 hex digits',
    },
    {
      name: "a Firestore without port",
      argv: ["a", "--firestore", "localhost"],
      env: {},
      message: '--firestore "localhost": expected host:port',
    },
    {
      name: "a bad stack port variable",
      argv: ["a"],
      env: { STACK_FIRESTORE_PORT: "x" },
      message: 'STACK_FIRESTORE_PORT must be a port number from 1 to 65535, got "x"',
    },
  ])("refuses $name", ({ argv, env, message }) => {
    expect(() => parseTraceArgs(argv, env)).toThrow(message);
  });
});
