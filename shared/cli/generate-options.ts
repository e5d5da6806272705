import { LANES, type Lane } from "../lanes.ts";
import { DETAILS, OUTLINES, SHADINGS } from "../operations/fields.ts";

/** A bad command line: the message names the argument, the value received and what is allowed. */
export class CliOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliOptionsError";
  }
}

export const USAGE = `Usage: npm run generate -- "<description>" [options]
  --size N              square image, N×N pixels (default 64)
  --width N, --height N one side each
  --operation NAME      PixelLab operation (default generate-image-pixflux)
  --seed N              fixed seed (a repeat with the same seed comes from the cache)
  --no-background       transparent background
  --outline V           ${OUTLINES.join(" | ")}
  --shading V           ${SHADINGS.join(" | ")}
  --detail V            ${DETAILS.join(" | ")}
                        (a unique prefix is enough: --shading basic)
  --no-cache            ask for a fresh image even if an identical request is cached
  --timeout-ms N        limit of one generation attempt, in ms (10000..1800000; default the server's)
  --priority LANE       interactive (default) or batch: batch jobs wait for interactive ones
  --webhook URL         also POST the job's end there, signed (see GET /v1/webhook-secret)
  --wait-ms N           how long to wait for the job overall, in ms (default 900000)
  --out FILE            where to write the PNG (default <jobId>.png)
  --api URL             the queue's API (default http://127.0.0.1:8081)
  --token T             Firebase ID token (default $QUEUE_ID_TOKEN; required unless --api is local)
  --auth-emulator H:P   Auth emulator for an anonymous sign-in when no token is given (default 127.0.0.1:9099)
  --help                print this text
Exit codes: 0 written; 1 the job failed or the API refused (the error type is printed); 2 bad arguments.`;

export interface GenerateOptions {
  description: string;
  operation: string;
  width: number;
  height: number;
  seed?: number;
  noBackground: boolean;
  outline?: string;
  shading?: string;
  detail?: string;
  noCache: boolean;
  /** One attempt's limit, in ms (the request's `options.timeoutMs`). */
  timeoutMs?: number;
  /** The job's lane (the request's `options.priority`); the server's default when absent. */
  priority?: Lane;
  /** Where the job's end is POSTed (the request's `options.webhook.url`). */
  webhook?: string;
  /** Overall wait for the job, in ms. */
  waitMs: number;
  out?: string;
  api: string;
  token?: string;
  /** `host:port` of the Auth emulator, used only without a token. */
  authEmulator: string;
}

const VALUE_FLAGS = [
  "--size",
  "--width",
  "--height",
  "--operation",
  "--seed",
  "--outline",
  "--shading",
  "--detail",
  "--timeout-ms",
  "--priority",
  "--webhook",
  "--wait-ms",
  "--out",
  "--api",
  "--token",
  "--auth-emulator",
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const isValueFlag = (flag: string): flag is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(flag);

/**
 * Parses argv (without `node` and the script) and the environment (`QUEUE_ID_TOKEN`). Words that are
 * not flags make up the description; `--flag value` and `--flag=value` both work.
 */
export function parseGenerateOptions(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): GenerateOptions | "help" {
  const words: string[] = [];
  const values = new Map<ValueFlag, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--") && arg !== "-h") {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === "--help" || flag === "-h") return "help";
    if (flag === "--no-background" || flag === "--no-cache") {
      switches.add(flag);
      continue;
    }
    if (!isValueFlag(flag)) throw new CliOptionsError(`unknown option "${flag}" (see --help)`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new CliOptionsError(`${flag} expects a value`);
    values.set(flag, value);
  }
  return buildOptions(words, values, switches, env);
}

function buildOptions(
  words: string[],
  values: Map<ValueFlag, string>,
  switches: Set<string>,
  env: Record<string, string | undefined>,
): GenerateOptions {
  const description = words.join(" ").trim();
  if (description === "")
    throw new CliOptionsError('a description is required, e.g. "a knight with a sword"');
  const int = (flag: ValueFlag, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = values.get(flag);
    return raw === undefined ? undefined : parseInteger(flag, raw, min, max);
  };
  const size = int("--size", 1);
  const api = values.get("--api") ?? "http://127.0.0.1:8081";
  if (!/^https?:\/\/[^/]/.test(api)) throw new CliOptionsError(`--api expects an http(s) URL, got "${api}"`);
  const token = values.get("--token") ?? nonEmpty(env.QUEUE_ID_TOKEN);
  if (token === undefined && !isLoopback(api)) {
    throw new CliOptionsError(`--token (or QUEUE_ID_TOKEN) is required for a non-local --api (${api})`);
  }
  return {
    description,
    operation: values.get("--operation") ?? "generate-image-pixflux",
    width: int("--width", 1) ?? size ?? 64,
    height: int("--height", 1) ?? size ?? 64,
    seed: int("--seed", 0),
    noBackground: switches.has("--no-background"),
    outline: choice("--outline", values.get("--outline"), OUTLINES),
    shading: choice("--shading", values.get("--shading"), SHADINGS),
    detail: choice("--detail", values.get("--detail"), DETAILS),
    noCache: switches.has("--no-cache"),
    timeoutMs: int("--timeout-ms", 1),
    priority: choice("--priority", values.get("--priority"), LANES) as Lane | undefined,
    webhook: values.get("--webhook"),
    waitMs: int("--wait-ms", 1) ?? 900_000,
    out: values.get("--out"),
    api,
    token,
    authEmulator: values.get("--auth-emulator") ?? "127.0.0.1:9099",
  };
}

function parseInteger(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    throw new CliOptionsError(`${flag} expects an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/** The allowed value equal to `raw`, or the only one starting with it. */
function choice(flag: string, raw: string | undefined, allowed: readonly string[]): string | undefined {
  if (raw === undefined) return undefined;
  if (allowed.includes(raw)) return raw;
  const matches = allowed.filter((value) => value.startsWith(raw));
  if (matches.length === 1) return matches[0];
  throw new CliOptionsError(`${flag} "${raw}" is not one of: ${allowed.join(", ")}`);
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

/** The `POST /v1/jobs` body the options describe. */
export function toSubmitRequest(options: GenerateOptions) {
  const input: Record<string, unknown> = {
    description: options.description,
    image_size: { width: options.width, height: options.height },
  };
  if (options.noBackground) input.no_background = true;
  if (options.seed !== undefined) input.seed = options.seed;
  if (options.outline !== undefined) input.outline = options.outline;
  if (options.shading !== undefined) input.shading = options.shading;
  if (options.detail !== undefined) input.detail = options.detail;
  const requestOptions: {
    timeoutMs?: number;
    cache?: "bypass";
    priority?: Lane;
    webhook?: { url: string };
  } = {};
  if (options.timeoutMs !== undefined) requestOptions.timeoutMs = options.timeoutMs;
  if (options.webhook !== undefined) requestOptions.webhook = { url: options.webhook };
  if (options.priority !== undefined) requestOptions.priority = options.priority;
  if (options.noCache) requestOptions.cache = "bypass";
  return {
    operation: options.operation,
    input,
    ...(Object.keys(requestOptions).length > 0 && { options: requestOptions }),
  };
}
