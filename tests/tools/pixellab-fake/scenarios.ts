/**
 * How the fake answers a call. Chosen for the whole server (`--scenario`, `PIXELLAB_FAKE_SCENARIO`) and
 * overridden per request by `[fake:...]` directives inside `description` or `action`, so end-to-end
 * tests can drive failures through the queue's public API. Pure.
 */

/** What a generation call ends in. */
export const OUTCOMES = [
  "success",
  "validation_error", // 422 with a FastAPI detail list
  "auth_error", // 401 Invalid API token, even with the right key
  "payment_required", // 402 Insufficient credits
  "rate_limit", // 429 Too many requests (Retry-After only when given: rate_limit=<seconds>)
  "overloaded", // 529 Rate limit exceeded
  "server_error", // 500 (or server_error=503)
  "timeout", // never answers; the connection stays open until the client gives up
  "malformed", // 200 whose image is a corrupt PNG
  "wrong_size", // 200 with a valid PNG of half the requested size
] as const;

export type Outcome = (typeof OUTCOMES)[number];

export interface Scenario {
  outcome: Outcome;
  /** `Retry-After` of a 429, in whole seconds; null sends none (PixelLab documents none). */
  retryAfterSeconds: number | null;
  /** Status of `server_error`: 500 or 503. @defaultValue 500 */
  serverErrorStatus: 500 | 503;
  /** Delay before answering, in ms. @defaultValue 0 */
  latencyMs: number;
  /** Fail this many calls of the same request (same body hash), then succeed. @defaultValue 0 */
  failFirst: number;
  /** Answer create calls as a v2 background job; null = the server's `--async` setting. */
  background: boolean | null;
  /** How long a background job stays `processing`, in ms; null = the server's setting. */
  jobMs: number | null;
  /** The background job ends `failed` (with `last_response.detail`) instead of `completed`. */
  jobFailed: boolean;
  /** Images sent as `data:image/png;base64,...` URIs instead of raw base64 (both occur, §5). */
  dataUri: boolean;
  /** A label that changes nothing but files this call's stats under `byTag` (per-job accounting). */
  tag: string | null;
  /** What the call reports as its cost in USD (`usage: {type:"usd", usd}`); null: the version's default. */
  usd: number | null;
}

export const DEFAULT_SCENARIO: Scenario = {
  outcome: "success",
  retryAfterSeconds: null,
  serverErrorStatus: 500,
  latencyMs: 0,
  failFirst: 0,
  background: null,
  jobMs: null,
  jobFailed: false,
  dataUri: false,
  tag: null,
  usd: null,
};

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; message: string };

const DIRECTIVE = /\[fake:([^\]]*)\]/gi;
/** Longest latency or job duration a directive may ask for, in ms: 10 minutes. */
const MAX_MS = 600_000;

/**
 * Applies a comma- or space-separated list of directives (`"rate_limit=2, latency=50"`) on top of
 * `base`. Names are case-insensitive and `-`/`_` are interchangeable (`fail-first` = `fail_first`).
 */
export function applyDirectives(spec: string, base: Scenario): ScenarioResult {
  let scenario = { ...base };
  for (const token of spec.split(/[\s,]+/).filter((t) => t !== "")) {
    const [rawName = "", value] = token.split("=", 2);
    const next = applyOneChecked(scenario, rawName.toLowerCase().replaceAll("-", "_"), value);
    if (typeof next === "string") return { ok: false, message: `[fake:${token}]: ${next}` };
    scenario = next;
  }
  return { ok: true, scenario };
}

/** The scenario for one request: the server default, then every `[fake:...]` found in `texts`, in order. */
export function scenarioForRequest(serverDefault: Scenario, texts: readonly string[]): ScenarioResult {
  let scenario = serverDefault;
  for (const text of texts) {
    for (const match of text.matchAll(DIRECTIVE)) {
      const result = applyDirectives(match[1] ?? "", scenario);
      if (!result.ok) return result;
      scenario = result.scenario;
    }
  }
  return { ok: true, scenario };
}

/**
 * The outcome of the `callNumber`-th call (1-based) of one request. With `failFirst = n`, calls 1..n
 * fail with the scenario's error outcome (a 500 when the outcome is `success`) and later calls succeed.
 */
export function outcomeForCall(scenario: Scenario, callNumber: number): Outcome {
  if (scenario.failFirst === 0) return scenario.outcome;
  if (callNumber > scenario.failFirst) return "success";
  return scenario.outcome === "success" ? "server_error" : scenario.outcome;
}

function applyOneChecked(s: Scenario, name: string, value: string | undefined): Scenario | string {
  try {
    return applyOne(s, name, value);
  } catch (error) {
    if (error instanceof DirectiveError) return error.message;
    throw error;
  }
}

function applyOne(s: Scenario, name: string, value: string | undefined): Scenario | string {
  switch (name) {
    case "rate_limit":
      return {
        ...s,
        outcome: "rate_limit",
        retryAfterSeconds: value === undefined ? null : int(value, 0, 86_400),
      };
    case "server_error":
      if (value !== undefined && value !== "500" && value !== "503") return "status must be 500 or 503";
      return { ...s, outcome: "server_error", serverErrorStatus: value === "503" ? 503 : 500 };
    case "latency":
      return { ...s, latencyMs: int(value, 0, MAX_MS) };
    case "fail_first":
      return { ...s, failFirst: int(value, 0, 1000) };
    case "background":
    case "async":
      return { ...s, background: true };
    case "sync":
      return { ...s, background: false };
    case "job_ms":
      return { ...s, jobMs: int(value, 0, MAX_MS) };
    case "job_failed":
      return { ...s, jobFailed: true };
    case "data_uri":
      return { ...s, dataUri: true };
    case "tag":
      if (value === undefined || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value))
        return "needs 1-64 of A-Z a-z 0-9 _ . : -";
      return { ...s, tag: value };
    case "usd":
      if (value === undefined || !/^\d{1,4}(\.\d{1,6})?$/.test(value)) return "needs an amount such as 0.03";
      return { ...s, usd: Number(value) };
    default:
      if (!(OUTCOMES as readonly string[]).includes(name)) return `unknown directive (known: ${KNOWN})`;
      if (value !== undefined) return "takes no value";
      return { ...s, outcome: name as Outcome };
  }
}

/** Every directive, as listed in the "unknown directive" answer. */
const KNOWN = [
  ...OUTCOMES.filter((o) => o !== "rate_limit" && o !== "server_error"),
  "rate_limit[=<s>]",
  "server_error[=500|503]",
  "latency=<ms>",
  "fail-first=<n>",
  "background",
  "sync",
  "job_ms=<ms>",
  "job_failed",
  "data_uri",
  "tag=<label>",
  "usd=<amount>",
].join(", ");

/** Parses an integer in [min, max], or throws a DirectiveError saying what is allowed. */
function int(value: string | undefined, min: number, max: number): number {
  const n = value === undefined ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new DirectiveError(`needs an integer ${min}..${max}`);
  return n;
}

class DirectiveError extends Error {}
