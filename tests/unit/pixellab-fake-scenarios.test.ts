import { describe, expect, it } from "vitest";
import {
  DEFAULT_SCENARIO,
  outcomeForCall,
  scenarioForRequest,
  type Scenario,
} from "../tools/pixellab-fake/scenarios.ts";

const scenario = (changes: Partial<Scenario>): Scenario => ({ ...DEFAULT_SCENARIO, ...changes });

describe("scenarioForRequest reads [fake:...] directives", () => {
  const cases = [
    { name: "no directive", texts: ["a knight"], expected: DEFAULT_SCENARIO },
    {
      name: "server_error",
      texts: ["a knight [fake:server_error]"],
      expected: scenario({ outcome: "server_error" }),
    },
    {
      name: "server_error=503",
      texts: ["[fake:server_error=503]"],
      expected: scenario({ outcome: "server_error", serverErrorStatus: 503 }),
    },
    {
      name: "rate_limit without Retry-After",
      texts: ["[fake:rate_limit]"],
      expected: scenario({ outcome: "rate_limit" }),
    },
    {
      name: "rate_limit=2",
      texts: ["[fake:rate_limit=2]"],
      expected: scenario({ outcome: "rate_limit", retryAfterSeconds: 2 }),
    },
    {
      name: "latency in action text",
      texts: ["hero", "walk [fake:latency=25]"],
      expected: scenario({ latencyMs: 25 }),
    },
    { name: "fail-first with a dash", texts: ["[fake:fail-first=2]"], expected: scenario({ failFirst: 2 }) },
    {
      name: "several in one bracket",
      texts: ["[fake:background, job_ms=50,job_failed]"],
      expected: scenario({ background: true, jobMs: 50, jobFailed: true }),
    },
    {
      name: "several brackets, later wins",
      texts: ["[fake:timeout] x [fake:overloaded]"],
      expected: scenario({ outcome: "overloaded" }),
    },
    {
      name: "case-insensitive",
      texts: ["[FAKE:Payment_Required]"],
      expected: scenario({ outcome: "payment_required" }),
    },
    {
      name: "data_uri and sync",
      texts: ["[fake:data_uri sync]"],
      expected: scenario({ dataUri: true, background: false }),
    },
    { name: "malformed", texts: ["[fake:malformed]"], expected: scenario({ outcome: "malformed" }) },
    { name: "a reported cost", texts: ["[fake:usd=0.034]"], expected: scenario({ usd: 0.034 }) },
  ];
  it.each(cases)("$name", ({ texts, expected }) => {
    expect(scenarioForRequest(DEFAULT_SCENARIO, texts)).toEqual({ ok: true, scenario: expected });
  });

  it("applies request directives over the server default", () => {
    const serverDefault = scenario({ outcome: "server_error", latencyMs: 10 });
    expect(scenarioForRequest(serverDefault, ["[fake:success]"])).toEqual({
      ok: true,
      scenario: scenario({ latencyMs: 10 }),
    });
  });

  const errors = [
    { name: "unknown name", texts: ["[fake:explode]"], message: /\[fake:explode\]: unknown directive/ },
    { name: "latency not a number", texts: ["[fake:latency=soon]"], message: /needs an integer 0\.\.600000/ },
    { name: "negative fail-first", texts: ["[fake:fail-first=-1]"], message: /needs an integer/ },
    {
      name: "a cost that is not an amount",
      texts: ["[fake:usd=-1]"],
      message: /\[fake:usd=-1\]: needs an amount/,
    },
    { name: "server_error=502", texts: ["[fake:server_error=502]"], message: /500 or 503/ },
    { name: "value on a flag", texts: ["[fake:timeout=5]"], message: /takes no value/ },
  ];
  it.each(errors)("rejects $name", ({ texts, message }) => {
    const result = scenarioForRequest(DEFAULT_SCENARIO, texts);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.message).toMatch(message);
  });
});

describe("outcomeForCall", () => {
  const cases = [
    { name: "plain success", s: scenario({}), call: 1, expected: "success" },
    { name: "plain error repeats", s: scenario({ outcome: "overloaded" }), call: 9, expected: "overloaded" },
    { name: "fail-first=2, call 1 → 500", s: scenario({ failFirst: 2 }), call: 1, expected: "server_error" },
    { name: "fail-first=2, call 2 → 500", s: scenario({ failFirst: 2 }), call: 2, expected: "server_error" },
    { name: "fail-first=2, call 3 → success", s: scenario({ failFirst: 2 }), call: 3, expected: "success" },
    {
      name: "fail-first=1 with rate_limit",
      s: scenario({ failFirst: 1, outcome: "rate_limit" }),
      call: 1,
      expected: "rate_limit",
    },
    {
      name: "fail-first=1 with rate_limit, call 2",
      s: scenario({ failFirst: 1, outcome: "rate_limit" }),
      call: 2,
      expected: "success",
    },
  ];
  it.each(cases)("$name", ({ s, call, expected }) => {
    expect(outcomeForCall(s, call)).toBe(expected);
  });
});
