/**
 * `npm run bench -- [--quick] [--sustained-seconds N] [--scenario NAME]…`: the end-to-end benchmark.
 * Starts its own emulators, Cloud Tasks emulator, offline PixelLab and functions on free ports,
 * drives the HTTP API as clients do, prints a table per scenario, the limits and the original
 * targets, and writes `bench-results/bench-<time>.json` and `bench-results/latest.json`. Loopback
 * only; it ends by itself (exit 1 if the run could not complete, 2 for bad arguments).
 */
import { formatReport, runBench, type BenchOptions } from "./run.ts";
import { SCENARIO_SLUGS } from "./options.ts";

const USAGE = `Usage: npm run bench -- [options]
  --quick                 a small run (well under a minute after start-up)
  --sustained-seconds N   length of the sustained open-loop scenario (default 300; 8 with --quick)
  --scenario NAME         run only these (repeatable or comma-separated): ${SCENARIO_SLUGS.join(", ")}
  --out DIR               where the JSON results go (default bench-results)
  --help                  print this text`;

/** Parses argv (without node and the script). Throws a message naming the bad argument. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | "help" {
  const options: BenchOptions = {};
  const scenarios: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag = "", inline] = (argv[i] ?? "").split(/=(.*)/s, 2);
    if (flag === "--help" || flag === "-h") return "help";
    if (flag === "--quick") {
      options.quick = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--sustained-seconds") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isInteger(n) || n < 1 || n > 86_400)
        throw new Error(`--sustained-seconds ${JSON.stringify(value)}: expected an integer from 1 to 86400`);
      options.sustainedSeconds = n;
    } else if (flag === "--scenario") scenarios.push(...value.split(",").filter((s) => s !== ""));
    else if (flag === "--out") options.outDir = value;
    else throw new Error(`unknown option ${JSON.stringify(flag)}\n\n${USAGE}`);
  }
  if (scenarios.length > 0) options.scenarios = scenarios;
  return options;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  // Ctrl-C: exiting runs the stack's exit hook, which kills every process group it started.
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
  try {
    const report = await runBench({ ...parsed, log: (line) => console.log(line) });
    console.log(`\n${formatReport(report)}`);
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    console.error(
      `bench: ${error instanceof RangeError ? message : `the run could not complete: ${(error as Error).stack ?? message}`}`,
    );
    return error instanceof RangeError ? 2 : 1;
  }
}

process.exitCode = await main();
