/** `npm run cost` flags. Pure: argv in, options out; a bad flag throws a message naming it. */
import { DEFAULT_REPORT_FILE } from "./bench-report.ts";

export const USAGE = `Usage: npm run cost -- [options]
  --from FILE                  the benchmark's report (default ${DEFAULT_REPORT_FILE})
  --pixellab-latency-ms N      PixelLab's time per generation in production, ms
                               (default: EXPECTED_JOB_MS, terraform's expected_job_ms, 30000)
  --process-job-concurrency N  deliveries per processJob instance (default: terraform's process_job_concurrency)
  --tasks-max-concurrent N     deliveries the queue runs at once (default: terraform's tasks_max_concurrent)
  --jobs-per-month N           spreads Memorystore's fixed price; sizes free tiers (default 1000000)
  --redis / --no-redis         count Memorystore + its VPC connector (default: terraform's enable_redis)
  --free-tier                  subtract monthly free tiers (default: list prices without them)
  --retention-days N           how long a job's stored bytes are kept (default: cache_ttl_days, 30)
  --event-consumers N          subscriptions each Pub/Sub event is delivered to (default 1)
  --pixellab-usd-per-call X    PixelLab's fee per call, if you know your plan's (default: not priced)
  --json                       print the whole calculation as JSON
  --help                       print this text`;

export interface CostOptions {
  from: string;
  pixellabLatencyMs?: number;
  processJobConcurrency?: number;
  tasksMaxConcurrent?: number;
  jobsPerMonth: number;
  redis?: boolean;
  freeTier: boolean;
  retentionDays?: number;
  eventConsumers: number;
  pixellabUsdPerCall?: number;
  json: boolean;
}

const SWITCHES = new Set(["--redis", "--no-redis", "--free-tier", "--json"]);
const VALUED = new Set([
  "--from",
  "--pixellab-latency-ms",
  "--process-job-concurrency",
  "--tasks-max-concurrent",
  "--jobs-per-month",
  "--retention-days",
  "--event-consumers",
  "--pixellab-usd-per-call",
]);

/** Parses argv (without node and the script). */
export function parseCostArgs(argv: readonly string[]): CostOptions | "help" {
  const options: CostOptions = {
    from: DEFAULT_REPORT_FILE,
    jobsPerMonth: 1_000_000,
    freeTier: false,
    eventConsumers: 1,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag = "", inline] = (argv[i] ?? "").split(/=(.*)/s, 2);
    if (flag === "--help" || flag === "-h") return "help";
    if (SWITCHES.has(flag)) {
      if (flag === "--redis" || flag === "--no-redis") options.redis = flag === "--redis";
      else if (flag === "--free-tier") options.freeTier = true;
      else options.json = true;
      continue;
    }
    if (!VALUED.has(flag)) throw new Error(`unknown option ${JSON.stringify(flag)}\n\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n\n${USAGE}`);
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
    if (flag === "--from") options.from = value;
    else if (flag === "--pixellab-latency-ms") options.pixellabLatencyMs = number(0, 1_800_000);
    else if (flag === "--process-job-concurrency") options.processJobConcurrency = number(1, 1_000);
    else if (flag === "--tasks-max-concurrent") options.tasksMaxConcurrent = number(1, 5_000);
    else if (flag === "--jobs-per-month") options.jobsPerMonth = number(1, 1e12);
    else if (flag === "--retention-days") options.retentionDays = number(0, 36_500, false);
    else if (flag === "--event-consumers") options.eventConsumers = number(0, 100);
    else options.pixellabUsdPerCall = number(0, 100, false);
  }
  return options;
}
