import { parseQueueName } from "./names.ts";
import { startCloudTasksEmulator, type CloudTasksEmulatorOptions } from "./emulator.ts";

/** A bad command line: the message names the flag, the value received and what is allowed. */
export class CliOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliOptionsError";
  }
}

export const USAGE = `Usage: npm run tasks:emulator -- [options]
  --port N                  gRPC port (default 8123)
  --http-port N             admin HTTP port: OIDC discovery, /reset, /wait-idle (default 8124)
  --host H                  bind address (default 127.0.0.1; 0.0.0.0 inside a container)
  --queue NAME              queue created at start, projects/P/locations/L/queues/Q (repeatable)
  --backoff-scale F         factor on retry backoffs, e.g. 0.01 (default 1)
  --tombstone-ms N          how long finished task names stay reserved (default 3600000)
  --queue-reuse-block-ms N  how long deleted queue names stay blocked (default 604800000)
  --dispatch-deadline-cap-ms N  cap on every attempt's deadline (default none)
  --issuer URL              iss of minted OIDC tokens (default the admin base URL)
  --hard-reset-on-purge     PurgeQueue also frees the purged task names
  --legacy-missing-queue-code  CreateTask on a missing queue answers FAILED_PRECONDITION
  --help                    print this text`;

const NUMBER_FLAGS = {
  "--port": "port",
  "--http-port": "httpPort",
  "--backoff-scale": "backoffScale",
  "--tombstone-ms": "tombstoneMs",
  "--queue-reuse-block-ms": "queueReuseBlockMs",
  "--dispatch-deadline-cap-ms": "dispatchDeadlineCapMs",
} as const;
const BOOLEAN_FLAGS = {
  "--hard-reset-on-purge": "hardResetOnPurge",
  "--legacy-missing-queue-code": "legacyMissingQueueCode",
} as const;

const VALUE_FLAGS = new Set(["--host", "--issuer", "--queue"]);

function parseNumber(flag: string, raw: string): number {
  const value = Number(raw);
  const isPort = flag === "--port" || flag === "--http-port";
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new CliOptionsError(`${flag} expects a non-negative number, got "${raw}"`);
  }
  if (isPort && !(Number.isInteger(value) && value <= 65535)) {
    throw new CliOptionsError(`${flag} expects a port 0-65535, got "${raw}"`);
  }
  if (flag === "--backoff-scale" && value === 0)
    throw new CliOptionsError(`--backoff-scale must be > 0, got "${raw}"`);
  return value;
}

/** Parses argv (without `node` and the script); `--flag value` and `--flag=value` both work. */
export function parseCliOptions(argv: string[]): CloudTasksEmulatorOptions | "help" {
  const options: CloudTasksEmulatorOptions = { port: 8123, httpPort: 8124, queues: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag = "", inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    if (flag === "--help" || flag === "-h") return "help";
    if (Object.hasOwn(BOOLEAN_FLAGS, flag)) {
      options[BOOLEAN_FLAGS[flag as keyof typeof BOOLEAN_FLAGS]] = true;
      continue;
    }
    const isNumber = Object.hasOwn(NUMBER_FLAGS, flag);
    if (!isNumber && !VALUE_FLAGS.has(flag)) throw new CliOptionsError(`unknown option "${flag}"\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliOptionsError(`${flag} expects a value`);
    if (isNumber) {
      options[NUMBER_FLAGS[flag as keyof typeof NUMBER_FLAGS]] = parseNumber(flag, value);
    } else if (flag === "--host") {
      options.host = value;
    } else if (flag === "--issuer") {
      options.issuer = value;
    } else {
      try {
        parseQueueName(value);
      } catch (error) {
        throw new CliOptionsError(`--queue "${value}": ${(error as Error).message}`);
      }
      options.queues?.push(value);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: CloudTasksEmulatorOptions | "help";
  try {
    options = parseCliOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`cloud-tasks-emulator: ${(error as Error).message}`);
    process.exit(2);
  }
  if (options === "help") {
    console.log(USAGE);
    return;
  }
  const emulator = await startCloudTasksEmulator(options);
  console.error(
    `cloud-tasks-emulator: gRPC on ${emulator.host}:${emulator.grpcPort}, admin HTTP on ${emulator.httpBaseUrl}, ` +
      `issuer ${emulator.issuer}`,
  );
  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

if (import.meta.main) await main();
