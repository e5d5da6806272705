import { describe, expect, it } from "vitest";
import { parseGenerateOptions, toSubmitRequest } from "../../shared/cli/generate-options.ts";

const defaults = {
  description: "a knight with a sword",
  operation: "generate-image-pixflux",
  width: 64,
  height: 64,
  noBackground: false,
  noCache: false,
  waitMs: 900_000,
  api: "http://127.0.0.1:8081",
  authEmulator: "127.0.0.1:9099",
};

describe("parseGenerateOptions", () => {
  it.each([
    { name: "defaults", argv: ["a knight with a sword"], expected: defaults },
    {
      name: "words join into the description",
      argv: ["a", "knight", "with", "a", "sword"],
      expected: defaults,
    },
    {
      name: "--size is square",
      argv: ["a knight with a sword", "--size", "32"],
      expected: { ...defaults, width: 32, height: 32 },
    },
    {
      name: "--width/--height override --size",
      argv: ["a knight with a sword", "--size=32", "--width", "48"],
      expected: { ...defaults, width: 48, height: 32 },
    },
    {
      name: "every option",
      argv: [
        "--operation",
        "generate-image-bitforge",
        "a knight with a sword",
        "--seed",
        "0",
        "--no-background",
        "--outline",
        "lineless",
        "--shading=basic",
        "--detail",
        "highly",
        "--no-cache",
        "--timeout-ms",
        "60000",
        "--wait-ms",
        "5000",
        "--out",
        "k.png",
        "--api",
        "https://queue.example.com",
        "--token",
        "T",
        "--auth-emulator",
        "h:1",
      ],
      expected: {
        ...defaults,
        operation: "generate-image-bitforge",
        seed: 0,
        noBackground: true,
        outline: "lineless",
        shading: "basic shading",
        detail: "highly detailed",
        noCache: true,
        timeoutMs: 60_000,
        waitMs: 5000,
        out: "k.png",
        api: "https://queue.example.com",
        token: "T",
        authEmulator: "h:1",
      },
    },
    {
      name: "QUEUE_ID_TOKEN stands in for --token",
      argv: ["a knight with a sword", "--api", "https://queue.example.com"],
      env: { QUEUE_ID_TOKEN: "from-env" },
      expected: { ...defaults, api: "https://queue.example.com", token: "from-env" },
    },
    { name: "help", argv: ["a cat", "--help"], expected: "help" },
    { name: "-h", argv: ["-h"], expected: "help" },
  ])("$name", ({ argv, env, expected }) => {
    expect(parseGenerateOptions(argv, env)).toEqual(expected);
  });

  it.each([
    { name: "no description", argv: ["--size", "64"], error: "a description is required" },
    {
      name: "size not a number",
      argv: ["a cat", "--size", "big"],
      error: '--size expects an integer ≥ 1, got "big"',
    },
    { name: "size zero", argv: ["a cat", "--size", "0"], error: '--size expects an integer ≥ 1, got "0"' },
    { name: "fractional width", argv: ["a cat", "--width", "1.5"], error: "--width expects an integer" },
    {
      name: "negative seed",
      argv: ["a cat", "--seed", "-1"],
      error: '--seed expects an integer ≥ 0, got "-1"',
    },
    { name: "missing value", argv: ["a cat", "--out"], error: "--out expects a value" },
    { name: "unknown option", argv: ["a cat", "--colour", "red"], error: 'unknown option "--colour"' },
    {
      name: "ambiguous outline",
      argv: ["a cat", "--outline", "single"],
      error: '--outline "single" is not one of',
    },
    {
      name: "unknown shading",
      argv: ["a cat", "--shading", "glossy"],
      error: '--shading "glossy" is not one of',
    },
    {
      name: "unknown priority",
      argv: ["a cat", "--priority", "urgent"],
      error: '--priority "urgent" is not one of: interactive, batch',
    },
    {
      name: "api not a URL",
      argv: ["a cat", "--api", "localhost:8081"],
      error: '--api expects an http(s) URL, got "localhost:8081"',
    },
    {
      name: "remote api without a token",
      argv: ["a cat", "--api", "https://q.example.com"],
      error: "--token (or QUEUE_ID_TOKEN) is required",
    },
  ])("refuses $name", ({ argv, error }) => {
    expect(() => parseGenerateOptions(argv, {})).toThrow(
      expect.objectContaining({ name: "CliOptionsError", message: expect.stringContaining(error) }),
    );
  });
});

describe("toSubmitRequest", () => {
  it.each([
    {
      name: "the minimum",
      argv: ["a cat"],
      expected: {
        operation: "generate-image-pixflux",
        input: { description: "a cat", image_size: { width: 64, height: 64 } },
      },
    },
    {
      name: "style, seed and options",
      argv: [
        "a cat",
        "--size",
        "32",
        "--seed",
        "7",
        "--no-background",
        "--outline",
        "lineless",
        "--no-cache",
        "--timeout-ms",
        "20000",
        "--priority",
        "batch",
        "--webhook",
        "https://hooks.example.com/sprites",
      ],
      expected: {
        operation: "generate-image-pixflux",
        input: {
          description: "a cat",
          image_size: { width: 32, height: 32 },
          seed: 7,
          no_background: true,
          outline: "lineless",
        },
        options: {
          cache: "bypass",
          timeoutMs: 20_000,
          priority: "batch",
          webhook: { url: "https://hooks.example.com/sprites" },
        },
      },
    },
  ])("$name", ({ argv, expected }) => {
    const options = parseGenerateOptions(argv, {});
    if (options === "help") throw new Error("unexpected help");
    expect(toSubmitRequest(options)).toEqual(expected);
  });
});
