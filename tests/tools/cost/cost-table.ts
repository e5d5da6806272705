/** The cost report as text: a table of dollars per million jobs per path, then the assumptions. */
import { PATHS, projectedHandlerMs, type CostLineId, type PathName } from "./cost-model.ts";
import type { CostReport } from "./cost-report.ts";
import { priced } from "./prices.ts";

const TITLES: Record<PathName, string> = {
  cacheMiss: "cache miss",
  cacheHit: "cache hit",
  dedup: "dedup hit",
};
const LABEL_WIDTH = 34;
const COLUMN_WIDTH = 13;
/** Longest line of the assumptions, characters. */
const WRAP_WIDTH = 110;

/** Dollars with cents; amounts under a cent keep three significant digits so they do not read as 0. */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (Math.abs(usd) < 0.01) return `$${usd.toPrecision(3)}`;
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const num = (n: number, digits = 2) => n.toLocaleString("en-US", { maximumFractionDigits: digits });
const row = (label: string, cells: string[]) =>
  label.padEnd(LABEL_WIDTH) + cells.map((c) => c.padStart(COLUMN_WIDTH)).join("");

export function formatCostReport(r: CostReport): string {
  return [
    `Dollars per million jobs (Google Cloud, ${r.prices.region}, list prices as published ${r.prices.asOf}, ${freeTiers(r)})`,
    "",
    ...costRows(r),
    "",
    waitingOnPixelLab(r),
    "",
    `Measured per job (${r.source}):`,
    ...measuredRows(r),
    "",
    "Assumptions:",
    ...r.notes.flatMap((n) => wrap(`- ${n}`, WRAP_WIDTH, "  ")),
  ].join("\n");
}

/** Breaks `text` at spaces into lines of at most `width` characters, later lines indented. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    const candidate = current === "" ? word : `${current} ${word}`;
    if (candidate.length > width && current.trim() !== "") {
      lines.push(current);
      current = indent + word;
    } else current = candidate;
  }
  if (current !== "") lines.push(current);
  return lines;
}

function freeTiers(r: CostReport): string {
  const { applyFreeTiers, jobsPerMonth } = r.assumptions;
  return applyFreeTiers ? `free tiers subtracted at ${num(jobsPerMonth, 0)} jobs a month` : "no free tiers";
}

function costRows(r: CostReport): string[] {
  const ids = r.paths.cacheMiss.lines.map((l) => l.id);
  const usdOf = (p: PathName, id: CostLineId) =>
    r.paths[p].lines.find((l) => l.id === id)?.usdPerMillionJobs ?? 0;
  const labelOf = (id: CostLineId) => r.paths.cacheMiss.lines.find((l) => l.id === id)?.label ?? id;
  const pixellab = PATHS.map((p) => r.paths[p].pixellab);
  return [
    row(
      "",
      PATHS.map((p) => TITLES[p]),
    ),
    ...ids.map((id) =>
      row(
        labelOf(id),
        PATHS.map((p) => formatUsd(usdOf(p, id))),
      ),
    ),
    row(
      "total (Google Cloud)",
      PATHS.map((p) => formatUsd(r.paths[p].totalUsdPerMillionJobs)),
    ),
    row(
      "PixelLab calls per job",
      pixellab.map((x) => num(x.callsPerJob)),
    ),
    row(
      "PixelLab fees",
      pixellab.map((x) =>
        x.usdPerMillionJobs === undefined ? "not priced" : formatUsd(x.usdPerMillionJobs),
      ),
    ),
  ];
}

/** The figure behind "waiting on PixelLab must not cost instance-seconds per waiting job". */
function waitingOnPixelLab(r: CostReport): string {
  const s = r.paths.cacheMiss.instanceSeconds;
  const { processJob } = r.deployment;
  const { cloudRun } = r.prices;
  const usdPerSecond = priced(processJob.vcpu, cloudRun.vcpu) + priced(processJob.memoryGiB, cloudRun.memory);
  const perMillion = (seconds: number) => formatUsd(seconds * usdPerSecond * 1e6);
  return [
    `Waiting on PixelLab (cache miss, ${num(r.assumptions.pixellabLatencyMs, 0)} ms a call): ${num(s.pixellabWait, 3)} instance-seconds per job`,
    `with ${processJob.concurrency} deliveries sharing a processJob instance (${perMillion(s.pixellabWait)} per million jobs), against ${num(s.pixellabWaitAlone, 3)} at concurrency 1`,
    `(${perMillion(s.pixellabWaitAlone)}): deliveries wait on PixelLab as open sockets and timers, so one instance's billed time`,
    `covers all the deliveries it holds. api: ${num(r.paths.cacheMiss.instanceSeconds.api, 4)} instance-seconds per submission.`,
  ].join("\n");
}

function measuredRows(r: CostReport): string[] {
  const m = r.measured;
  const cells = (f: (p: PathName) => string) => PATHS.map(f);
  return [
    row(
      "",
      cells((p) => TITLES[p]),
    ),
    row(
      "jobs measured",
      cells((p) => num(m[p].jobs, 0)),
    ),
    row(
      "Firestore reads / writes / deletes",
      cells(
        (p) =>
          `${num(m[p].firestoreReads, 1)}/${num(m[p].firestoreWrites, 1)}/${num(m[p].firestoreDeletes, 1)}`,
      ),
    ),
    row(
      "tasks created / deliveries",
      cells((p) => `${num(m[p].tasks)}/${num(m[p].handlerDeliveries)}`),
    ),
    row(
      "Pub/Sub messages",
      cells((p) => num(m[p].pubsubMessages)),
    ),
    row(
      "api requests / ms",
      cells((p) => `${num(m[p].apiRequests)}/${num(m[p].apiMs, 1)}`),
    ),
    row(
      "processJob ms (projected)",
      cells((p) => `${num(m[p].handlerMs, 0)} (${num(projectedHandlerMs(m[p], r.assumptions), 0)})`),
    ),
    row(
      "stored bytes",
      cells((p) => num(m[p].storedBytes, 0)),
    ),
  ];
}
