import { readFileSync } from "node:fs";
import { summarise, type Summary } from "../bench/stats.ts";

/** What one phase of the telemetry benchmark measured, each in ms. */
export interface PhaseSamples {
  /** `POST /v1/jobs` as the client saw it (the telemetry flush before the answer included). */
  submitMs: number[];
  /** Submit to the job document reading `completed`. */
  endToEndMs: number[];
  /** The api's own "request handled" `durationMs` for those POSTs (before the answer is released). */
  apiHandlerMs: number[];
  /** processJob's "delivery handled" `durationMs - pixellabMs`: the handler's work beyond PixelLab. */
  deliveryOverheadMs: number[];
}

export const emptySamples = (): PhaseSamples => ({
  submitMs: [],
  endToEndMs: [],
  apiHandlerMs: [],
  deliveryOverheadMs: [],
});

/** Adds `more` to `into`, figure by figure. */
export function addSamples(into: PhaseSamples, more: PhaseSamples): void {
  for (const key of Object.keys(into) as (keyof PhaseSamples)[]) into[key].push(...more[key]);
}

/** The handlers' own timings, read from the JSON log lines of one api and one processJob process. */
export function handlerTimings(
  apiLog: string,
  processJobLog: string,
): Omit<PhaseSamples, "submitMs" | "endToEndMs"> {
  const records = (file: string) =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const api = records(apiLog).filter((r) => r.message === "request handled" && r.route === "POST /v1/jobs");
  const deliveries = records(processJobLog).filter((r) => r.message === "delivery handled");
  return {
    apiHandlerMs: api.map((r) => Number(r.durationMs)),
    deliveryOverheadMs: deliveries.map((r) => Number(r.durationMs) - Number(r.pixellabMs)),
  };
}

const ROWS: readonly [keyof PhaseSamples, string][] = [
  ["submitMs", "submit latency (client)"],
  ["apiHandlerMs", "api POST handler (its log)"],
  ["deliveryOverheadMs", "processJob beyond PixelLab (its log)"],
  ["endToEndMs", "job end to end"],
];

const fmt = (s: Summary) => `${s.p50 ?? "-"} / ${s.p95 ?? "-"}`;
const diff = (on: Summary, off: Summary) => {
  const d = (a: number | null, b: number | null) => (a === null || b === null ? "-" : (a - b).toFixed(1));
  return `${d(on.p50, off.p50)} / ${d(on.p95, off.p95)}`;
};

/** The comparison table, one row per figure: p50 / p95 in ms without and with the SDK, and on − off. */
export function costTable(off: PhaseSamples, on: PhaseSamples): string {
  const head = `${"ms, p50 / p95".padEnd(50)}${"SDK off".padEnd(18)}${"SDK on".padEnd(18)}on − off`;
  const lines = ROWS.map(([key, label]) => {
    const [a, b] = [summarise(off[key]), summarise(on[key])];
    return `${`${label} (n=${a.count}/${b.count})`.padEnd(50)}${fmt(a).padEnd(18)}${fmt(b).padEnd(18)}${diff(b, a)}`;
  });
  return [head, ...lines].join("\n");
}

/** Spans received per job, by service and name (`api: POST /v1/jobs ×1.0`), most frequent first. */
export function spanCensus(spans: readonly { service: string; name: string }[], jobs: number): string {
  const counts = new Map<string, number>();
  for (const span of spans) {
    const key = `${span.service}: ${span.name}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ×${(n / Math.max(1, jobs)).toFixed(1)}`)
    .join(", ");
}
