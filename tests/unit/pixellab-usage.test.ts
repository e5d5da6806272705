import { describe, expect, it } from "vitest";
import { decodeUsage } from "../../shared/pixellab/usage.ts";

describe("decodeUsage keeps what PixelLab reported", () => {
  const cases = [
    { name: "usd (the schema)", raw: { type: "usd", usd: 0.01 }, expected: { type: "usd", usd: 0.01 } },
    {
      name: "generations (subscriptions)",
      raw: { type: "generations", generations: 1 },
      expected: { type: "generations", generations: 1 },
    },
    {
      name: "credits (spec example)",
      raw: { type: "credits", credits: 1 },
      expected: { type: "credits", credits: 1 },
    },
    { name: "null", raw: null, expected: null },
    { name: "absent", raw: undefined, expected: null },
    { name: "a bare number (AUD's 'usage: 1.0')", raw: 1, expected: { type: "unknown", raw: 1 } },
    {
      name: "a new unit",
      raw: { type: "tokens", tokens: 3 },
      expected: { type: "unknown", raw: { type: "tokens", tokens: 3 } },
    },
    {
      name: "type without amount",
      raw: { type: "usd" },
      expected: { type: "unknown", raw: { type: "usd" } },
    },
    {
      name: "amount not a number",
      raw: { type: "usd", usd: "0.01" },
      expected: { type: "unknown", raw: { type: "usd", usd: "0.01" } },
    },
  ];
  it.each(cases)("$name", ({ raw, expected }) => {
    expect(decodeUsage(raw)).toEqual(expected);
  });
});
