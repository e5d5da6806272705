import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  addTotals,
  averages,
  emptyTotals,
  type PathName,
  type PathOps,
  type PathTotals,
} from "./accounting.ts";
import type { FirestoreCeilings } from "./firestore-ceilings.ts";
import type { LimitsReport, TargetCheck } from "./limits.ts";
import type { MachineFigures } from "./machine.ts";
import type { ScenarioReport } from "./scenario-figures.ts";

/** What `npm run bench` measured, as written to `bench-results/*.json`. */
export interface BenchReport {
  /** When the run started, RFC 3339. */
  startedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: MachineFigures;
  config: {
    queueConcurrency: number;
    maxDispatchesPerSecond: number;
    pixellabLatencyMs: number[];
    /** Terraform's default instance concurrency of the functions, for the cost model. */
    apiConcurrency?: number;
    processJobConcurrency?: number;
    queueCapacity: number;
    userActiveJobLimit: number;
    sustainedSeconds: number;
    scenarios: string[];
  };
  ceilings: FirestoreCeilings;
  limits: LimitsReport;
  scenarios: ScenarioReport[];
  /** Per-job averages per path over {@link BenchReport.operationsFrom} (read by `npm run cost`). */
  operations: { cacheMiss: PathOps; cacheHit: PathOps; dedup: PathOps };
  /** The scenarios each path's averages come from: those at the realistic PixelLab latency when they have that path. */
  operationsFrom: { cacheMiss: string[]; cacheHit: string[]; dedup: string[] };
  targets: TargetCheck[];
  /** Log lines the operation counts come from; zero means the functions do not write them. */
  logLines: { requests: number; deliveries: number; withFirestore: number };
  /** Events seen on the topic, by type. */
  events: Record<string, number>;
  /** Where this report was written. */
  files: { report: string; latest: string };
  notes: string[];
}

/**
 * The run's per-job averages for `npm run cost`: each path over the scenarios at the run's most
 * realistic (highest) PixelLab latency that have it, else over every scenario.
 */
export function aggregateOperations(
  scenarios: readonly { report: ScenarioReport; totals: Record<PathName, PathTotals> }[],
) {
  const top = Math.max(0, ...scenarios.map((s) => s.report.pixellabLatencyMs));
  const pick = (path: "cacheMiss" | "cacheHit" | "dedup") => {
    const realistic = scenarios.filter((s) => s.report.pixellabLatencyMs === top && s.totals[path].jobs > 0);
    const from = realistic.length > 0 ? realistic : scenarios.filter((s) => s.totals[path].jobs > 0);
    return {
      ops: averages(from.reduce((sum, s) => addTotals(sum, s.totals[path]), emptyTotals())),
      names: from.map((s) => s.report.name),
    };
  };
  const [cacheMiss, cacheHit, dedup] = [pick("cacheMiss"), pick("cacheHit"), pick("dedup")];
  return {
    operations: { cacheMiss: cacheMiss.ops, cacheHit: cacheHit.ops, dedup: dedup.ops },
    operationsFrom: { cacheMiss: cacheMiss.names, cacheHit: cacheHit.names, dedup: dedup.names },
  };
}

/** The functions' instance concurrency as Terraform deploys them by default (for the cost model). */
export function terraformConcurrency(): { apiConcurrency?: number; processJobConcurrency?: number } {
  try {
    const text = readFileSync(path.resolve("terraform/variables.tf"), "utf8");
    const value = (name: string) => {
      // Within that variable's block: never past the next `variable`.
      const match = new RegExp(`variable "${name}" \\{(?:(?!\\nvariable )[^])*?default\\s*=\\s*(\\d+)`).exec(
        text,
      );
      return match?.[1] === undefined ? undefined : Number(match[1]);
    };
    const api = value("api_concurrency");
    const processJob = value("process_job_concurrency");
    return {
      ...(api !== undefined && { apiConcurrency: api }),
      ...(processJob !== undefined && { processJobConcurrency: processJob }),
    };
  } catch {
    return {};
  }
}

export function writeReport(outDir: string, report: BenchReport): BenchReport["files"] {
  mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const files = {
    report: path.join(outDir, `bench-${stamp}.json`),
    latest: path.join(outDir, "latest.json"),
  };
  const json = `${JSON.stringify({ ...report, files }, null, 2)}\n`;
  writeFileSync(files.report, json);
  writeFileSync(files.latest, json);
  return files;
}
