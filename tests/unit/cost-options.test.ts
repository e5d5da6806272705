import { describe, expect, it } from "vitest";
import { parseCostArgs } from "../tools/cost/cost-options.ts";
import { formatUsd, wrap } from "../tools/cost/cost-table.ts";
import { memoryGiB } from "../tools/cost/terraform-sizing.ts";

const DEFAULTS = {
  from: "bench-results/latest.json",
  jobsPerMonth: 1_000_000,
  freeTier: false,
  eventConsumers: 1,
  json: false,
};

describe("parseCostArgs", () => {
  it.each([
    { name: "no flags", argv: [], expected: DEFAULTS },
    { name: "--from", argv: ["--from", "/tmp/r.json"], expected: { ...DEFAULTS, from: "/tmp/r.json" } },
    {
      name: "--flag=value",
      argv: ["--pixellab-latency-ms=5000"],
      expected: { ...DEFAULTS, pixellabLatencyMs: 5_000 },
    },
    {
      name: "switches",
      argv: ["--json", "--free-tier", "--redis"],
      expected: { ...DEFAULTS, json: true, freeTier: true, redis: true },
    },
    { name: "--no-redis", argv: ["--no-redis"], expected: { ...DEFAULTS, redis: false } },
    {
      name: "numbers",
      argv: ["--jobs-per-month", "250000", "--process-job-concurrency", "20", "--retention-days", "7.5"],
      expected: { ...DEFAULTS, jobsPerMonth: 250_000, processJobConcurrency: 20, retentionDays: 7.5 },
    },
    {
      name: "the queue's concurrency",
      argv: ["--tasks-max-concurrent", "100"],
      expected: { ...DEFAULTS, tasksMaxConcurrent: 100 },
    },
    {
      name: "a fee",
      argv: ["--pixellab-usd-per-call", "0.01"],
      expected: { ...DEFAULTS, pixellabUsdPerCall: 0.01 },
    },
    { name: "help", argv: ["--json", "--help"], expected: "help" },
  ])("$name", ({ argv, expected }) => {
    expect(parseCostArgs(argv)).toEqual(expected);
  });

  it.each([
    { name: "unknown flag", argv: ["--frm", "x"], message: /^unknown option "--frm"/ },
    { name: "unknown flag last", argv: ["--bogus"], message: /^unknown option "--bogus"/ },
    { name: "missing value", argv: ["--from"], message: /^--from needs a value/ },
    {
      name: "not an integer",
      argv: ["--jobs-per-month", "1.5"],
      message: /^--jobs-per-month "1.5": expected an integer from 1/,
    },
    {
      name: "zero concurrency",
      argv: ["--process-job-concurrency", "0"],
      message: /expected an integer from 1 to 1000/,
    },
    {
      name: "empty number",
      argv: ["--pixellab-latency-ms="],
      message: /^--pixellab-latency-ms "": expected/,
    },
  ])("refuses $name", ({ argv, message }) => {
    expect(() => parseCostArgs(argv)).toThrow(message);
  });
});

describe("memoryGiB", () => {
  it.each([
    { setting: "512Mi", expected: 0.5 },
    { setting: "1Gi", expected: 1 },
    { setting: "2G", expected: 2e9 / 2 ** 30 },
    { setting: "256M", expected: 256e6 / 2 ** 30 },
  ])("$setting → $expected GiB", ({ setting, expected }) => {
    expect(memoryGiB(setting)).toBeCloseTo(expected, 12);
  });

  it("refuses a setting without a unit", () => {
    expect(() => memoryGiB("512")).toThrow('memory "512": expected a number with Mi, Gi, M or G');
  });
});

describe("formatUsd and wrap", () => {
  it.each([
    { usd: 0, expected: "$0" },
    { usd: 0.00412, expected: "$0.00412" },
    { usd: 0.9, expected: "$0.90" },
    { usd: 1234.567, expected: "$1,234.57" },
  ])("$usd → $expected", ({ usd, expected }) => {
    expect(formatUsd(usd)).toBe(expected);
  });

  it("wraps at spaces and indents the continuation", () => {
    expect(wrap("- aaa bbb ccc ddd", 9, "  ")).toEqual(["- aaa bbb", "  ccc ddd"]);
  });
});
