/**
 * `npm run cost -- [--from FILE] [--pixellab-latency-ms N] [--json] …`: dollars per million jobs on
 * the cache-miss, cache-hit and dedup paths, from the benchmark's measured operations, the dated
 * price table (prices.ts) and terraform/'s sizes. Exits 1 when the report is missing or malformed
 * (saying to run `npm run bench`), 2 for bad arguments.
 */
import { BenchReportError, loadBenchReport } from "./bench-report.ts";
import { parseCostArgs, USAGE } from "./cost-options.ts";
import { buildCostReport } from "./cost-report.ts";
import { formatCostReport } from "./cost-table.ts";
import { PRICES } from "./prices.ts";
import { readTerraformSizing } from "./terraform-sizing.ts";

async function main(): Promise<number> {
  let options;
  try {
    options = parseCostArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`cost: ${(error as Error).message}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  let bench;
  try {
    bench = loadBenchReport(options.from);
  } catch (error) {
    if (!(error instanceof BenchReportError)) throw error;
    console.error(`cost: ${error.message}`);
    return 1;
  }
  const report = buildCostReport(bench, await readTerraformSizing(), options, PRICES);
  console.log(options.json ? JSON.stringify(report, null, 2) : formatCostReport(report));
  return 0;
}

process.exitCode = await main();
