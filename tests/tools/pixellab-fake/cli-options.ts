import { DEFAULT_SCENARIO, applyDirectives } from "./scenarios.ts";
import type { FakePixelLabOptions } from "./server.ts";

/** A bad flag or environment variable: the message names it, what was given and what is allowed. */
export class CliOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliOptionsError";
  }
}

/** The port the CLI listens on by default (the local stack points PIXELLAB_BASE_URL at it). */
export const DEFAULT_CLI_PORT = 8790;

export const USAGE = `Usage: npm run pixellab:fake -- [options]

  --port <n>            TCP port (env PIXELLAB_FAKE_PORT; default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host <addr>         interface to bind (env PIXELLAB_FAKE_HOST; default 127.0.0.1)
  --api-key <key>       the accepted bearer token (env PIXELLAB_FAKE_API_KEY; default fake-pixellab-key)
  --scenario <spec>     server-wide directives, e.g. "rate_limit=2" (env PIXELLAB_FAKE_SCENARIO; default success)
  --max-concurrent <n>  429 "Too many concurrent jobs" past n (env PIXELLAB_FAKE_MAX_CONCURRENT; default no cap)
  --job-ms <ms>         background-job duration (env PIXELLAB_FAKE_JOB_MS; default 1000)
  --async               answer create calls as v2 background jobs (env PIXELLAB_FAKE_ASYNC=1)
  --help                print this and exit`;

type Env = Readonly<Record<string, string | undefined>>;

/** Parses argv (without node and the script) and the environment; flags win over env. Pure. */
export function parseCliOptions(argv: readonly string[], env: Env): FakePixelLabOptions & { help: boolean } {
  const flags = readFlags(argv);
  const pick = (flag: string, variable: string) => flags.get(flag) ?? env[variable];
  const scenario = pick("scenario", "PIXELLAB_FAKE_SCENARIO") ?? "";
  const checked = applyDirectives(scenario, DEFAULT_SCENARIO);
  if (!checked.ok) throw new CliOptionsError(`--scenario ${JSON.stringify(scenario)}: ${checked.message}`);
  const maxConcurrent = pick("max-concurrent", "PIXELLAB_FAKE_MAX_CONCURRENT");
  const asyncValue = flags.has("async") ? "1" : (env.PIXELLAB_FAKE_ASYNC ?? "0");
  if (!["0", "1", "true", "false", ""].includes(asyncValue)) {
    throw new CliOptionsError(
      `PIXELLAB_FAKE_ASYNC=${JSON.stringify(asyncValue)}: expected 1/true or 0/false`,
    );
  }
  return {
    help: flags.has("help"),
    port: integer(
      "--port / PIXELLAB_FAKE_PORT",
      pick("port", "PIXELLAB_FAKE_PORT") ?? String(DEFAULT_CLI_PORT),
      0,
      65_535,
    ),
    host: pick("host", "PIXELLAB_FAKE_HOST") ?? "127.0.0.1",
    apiKey: nonEmpty(
      "--api-key / PIXELLAB_FAKE_API_KEY",
      pick("api-key", "PIXELLAB_FAKE_API_KEY") ?? "fake-pixellab-key",
    ),
    scenario,
    maxConcurrent: maxConcurrent === undefined ? null : integer("--max-concurrent", maxConcurrent, 1, 10_000),
    backgroundJobDurationMs: integer(
      "--job-ms / PIXELLAB_FAKE_JOB_MS",
      pick("job-ms", "PIXELLAB_FAKE_JOB_MS") ?? "1000",
      0,
      600_000,
    ),
    async: asyncValue === "1" || asyncValue === "true",
  };
}

const VALUE_FLAGS = new Set(["port", "host", "api-key", "scenario", "max-concurrent", "job-ms"]);
const BOOLEAN_FLAGS = new Set(["async", "help"]);

function readFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new CliOptionsError(`unexpected argument ${JSON.stringify(arg)}\n\n${USAGE}`);
    const [, name = "", inline] = match;
    if (BOOLEAN_FLAGS.has(name) && inline === undefined) {
      flags.set(name, "1");
    } else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[(i += 1)];
      if (value === undefined) throw new CliOptionsError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new CliOptionsError(`unknown option --${name}\n\n${USAGE}`);
    }
  }
  return flags;
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliOptionsError(`${name}: ${JSON.stringify(value)} is not an integer in ${min}..${max}`);
  }
  return n;
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() === "") throw new CliOptionsError(`${name} must not be empty`);
  return value;
}
