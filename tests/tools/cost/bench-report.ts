/**
 * The part of the benchmark's report (`npm run bench` writes `bench-results/latest.json`) the cost
 * calculation reads: the measured operations per job on each path, and the offline PixelLab's latency.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { PathName, PathOps } from "./cost-model.ts";

export const DEFAULT_REPORT_FILE = "bench-results/latest.json";

const count = z.number().finite().nonnegative();
const pathOps = z.object({
  jobs: count,
  firestoreReads: count,
  /** Reads of clients polling the job (older reports have none). */
  clientReads: count.default(0),
  firestoreWrites: count,
  firestoreDeletes: count,
  tasks: count,
  pixellabCalls: count,
  pubsubMessages: count,
  apiRequests: count,
  apiMs: count,
  handlerDeliveries: count,
  handlerMs: count,
  storedBytes: count,
});

const benchReport = z.object({
  operations: z.object({ cacheMiss: pathOps, cacheHit: pathOps, dedup: pathOps }),
  config: z.object({
    queueConcurrency: count,
    maxDispatchesPerSecond: count,
    /** The offline PixelLab's latencies across the run's scenarios, ms; `operations` averages the highest's. */
    pixellabLatencyMs: z.array(count),
  }),
});

export interface BenchOperations {
  file: string;
  operations: Record<PathName, PathOps>;
  /**
   * Latency of one offline PixelLab call behind `operations`, ms: the bench averages each path over
   * its scenarios at the highest latency it ran, so that is the one the measured handler time holds.
   */
  benchPixellabLatencyMs: number;
  queueConcurrency: number;
  maxDispatchesPerSecond: number;
}

/** The report could not be read: missing, not JSON, or not the shape the benchmark writes. */
export class BenchReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchReportError";
  }
}

/** Reads and checks the benchmark's report at `file`. Throws {@link BenchReportError} saying what to do. */
export function loadBenchReport(file: string): BenchOperations {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new BenchReportError(
      `${file} does not exist. Run the benchmark first: \`npm run bench\` (or \`npm run bench -- --quick\`) writes ${DEFAULT_REPORT_FILE}; or pass --from FILE.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BenchReportError(
      `${file} is not JSON (${(error as Error).message}); run \`npm run bench\` again.`,
    );
  }
  return decodeBenchReport(json, file);
}

/** Checks a parsed report; names every missing or bad field. */
export function decodeBenchReport(json: unknown, file: string): BenchOperations {
  const parsed = benchReport.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new BenchReportError(
      `${file} is not a benchmark report with an operations section (${fields.join("; ")}); run \`npm run bench\` again.`,
    );
  }
  const { operations, config } = parsed.data;
  return {
    file,
    operations,
    benchPixellabLatencyMs: Math.max(0, ...config.pixellabLatencyMs),
    queueConcurrency: config.queueConcurrency,
    maxDispatchesPerSecond: config.maxDispatchesPerSecond,
  };
}
