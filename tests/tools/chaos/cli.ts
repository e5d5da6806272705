/**
 * `npm run chaos -- [--jobs N] [--users N] [--seed S] [--failure-rate R]`: the chaos run. Starts the
 * local stack's parts on free ports, drives them while injecting faults, audits every job, prints a
 * table and exits 1 on any violation (2 for bad arguments). Loopback only; it ends by itself.
 */
import { writeFileSync } from "node:fs";
import { formatReport } from "./report-table.ts";
import { runChaos, type ChaosOptions } from "./run.ts";

const USAGE = `Usage: npm run chaos -- [options]
  --jobs N            planned submissions (default 1000)
  --users N           users they are spread over (default 50)
  --seed S            seed of the plan: which jobs fail how, which repeat, which faults when (default random, printed)
  --failure-rate R    share of jobs whose PixelLab calls fail, 0..1 (default 0.1)
  --report FILE       also write the whole report as JSON
  --help              print this text`;

/** Parses argv (without node and the script). Throws a message naming the bad argument. */
export function parseChaosArgs(argv: readonly string[]): (ChaosOptions & { report?: string }) | "help" {
  const options: ChaosOptions & { report?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag = "", inline] = (argv[i] ?? "").split(/=(.*)/s, 2);
    if (flag === "--help" || flag === "-h") return "help";
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const number = (min: number, max: number, integer = true) => {
      const n = Number(value);
      const ok =
        value.trim() !== "" &&
        Number.isFinite(n) &&
        n >= min &&
        n <= max &&
        (!integer || Number.isInteger(n));
      if (!ok)
        throw new Error(
          `${flag} ${JSON.stringify(value)}: expected ${integer ? "an integer" : "a number"} from ${min} to ${max}`,
        );
      return n;
    };
    if (flag === "--jobs") options.jobs = number(1, 100_000);
    else if (flag === "--users") options.users = number(1, 10_000);
    else if (flag === "--seed") options.seed = number(0, 2 ** 31 - 1);
    else if (flag === "--failure-rate") options.failureRate = number(0, 1, false);
    else if (flag === "--report") options.report = value;
    else throw new Error(`unknown option ${JSON.stringify(flag)}\n\n${USAGE}`);
  }
  return options;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`chaos: ${(error as Error).message}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  // Ctrl-C: exiting runs the stack's exit hook, which kills every process group it started.
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
  const { report: reportFile, ...options } = parsed;
  let report;
  try {
    report = await runChaos({ ...options, log: (line) => console.log(line) });
  } catch (error) {
    console.error(`chaos: the run could not complete: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
  console.log(`\n${formatReport(report)}`);
  if (reportFile !== undefined) writeFileSync(reportFile, JSON.stringify(report, null, 2));
  return report.audit.violations.length === 0 && report.drain.drained ? 0 : 1;
}

process.exitCode = await main();
