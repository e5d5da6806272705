import type { AuditReport } from "./audit.ts";
import type { DriveResult } from "./driver.ts";
import type { DrainResult } from "./drain.ts";
import type { FaultEvent, FaultKind } from "./faults.ts";
import type { JobTrace } from "./job-traces.ts";
import type { ResolvedOptions } from "./options.ts";
import type { PixelLabSummary } from "./pixellab-faults.ts";
import type { SweepTotals } from "./sweeper-loop.ts";

/** Everything one chaos run found: what `runChaos` returns and the CLI prints. */
export interface ChaosReport {
  options: Omit<ResolvedOptions, "log">;
  /** Epoch ms the run started (fault times are shown relative to it). */
  startedAt: number;
  durationMs: number;
  /**
   * Submissions by final answer (`accepted`, `cached`, `deduplicated`, an error status, `gave-up`);
   * repeats and Idempotency-Key resends under `repeat: …` and `resend: …`.
   */
  submissions: Record<string, number>;
  /** 429/503/409/network answers the clients waited out, by status. */
  refusals: Record<string, number>;
  /** Cancels by answer (200 cancelled, 202 marked, 409 already over). */
  cancels: Record<string, number>;
  faults: Record<FaultKind, number>;
  faultEvents: FaultEvent[];
  pixellab: PixelLabSummary;
  sweeper: SweepTotals;
  drain: DrainResult;
  audit: AuditReport;
  /** Log lines naming each job a violation is about (the first few jobs). */
  traces: Record<string, JobTrace>;
  /** Where every process's log went. */
  logFiles: { name: string; file: string }[];
}

/** Submission and cancel answers, counted for the report. */
export function tallyDrive(drive: DriveResult) {
  const submissions: Record<string, number> = {};
  const refusals: Record<string, number> = {};
  const bump = (map: Record<string, number>, key: string, n = 1) => (map[key] = (map[key] ?? 0) + n);
  for (const s of drive.submissions) {
    const answer = s.answer ?? String(s.status);
    bump(submissions, s.kind === "first" ? answer : `${s.kind}: ${answer}`);
    for (const [status, n] of Object.entries(s.refusals)) bump(refusals, status, n);
  }
  const cancels: Record<string, number> = {};
  for (const c of drive.cancels) bump(cancels, String(c.status));
  return { submissions, refusals, cancels };
}
