import type { QueueGaugesView } from "../client/admin-client.ts";

/**
 * The gauges the operator page shows, in order: what each one is called, its unit and how it is read
 * from a sample. Pure data, shared by the view and its charts.
 */
export const GAUGES = [
  { id: "queued", label: "Queued", unit: "jobs", read: (g: QueueGaugesView) => g.jobs.queued },
  {
    id: "retry-wait",
    label: "Waiting to retry",
    unit: "jobs",
    read: (g: QueueGaugesView) => g.jobs["retry-wait"],
  },
  { id: "processing", label: "Processing", unit: "jobs", read: (g: QueueGaugesView) => g.jobs.processing },
  {
    id: "oldest-queued-age",
    label: "Oldest queued",
    unit: "s",
    read: (g: QueueGaugesView) => g.oldestQueuedAgeSeconds,
  },
  { id: "dead-letters", label: "Dead letters", unit: "entries", read: (g: QueueGaugesView) => g.deadLetters },
  { id: "active-users", label: "Active users", unit: "users", read: (g: QueueGaugesView) => g.activeUsers },
] as const;

export type Gauge = (typeof GAUGES)[number];

/**
 * Samples kept in memory: 100 at the page's 3 s poll is the last 5 minutes. The page keeps no
 * history of its own across reloads; Prometheus and Cloud Monitoring hold the long view.
 */
export const HISTORY_CAPACITY = 100;

/** `history` with `sample` appended, dropping the oldest beyond `capacity`. Pure. */
export function appendSample<T>(history: readonly T[], sample: T, capacity = HISTORY_CAPACITY): T[] {
  const next = [...history, sample];
  return next.length > capacity ? next.slice(next.length - capacity) : next;
}

/** Size of a sparkline's SVG `viewBox`, in user units; CSS scales it. */
export const SPARKLINE = { width: 120, height: 32, padding: 2 } as const;

/**
 * The `points` of an SVG polyline drawing `values` (oldest first) across the whole width, so a
 * short history is as readable as a full one. The vertical scale runs from 0 to the largest value
 * (at least 1, so a flat zero lies on the bottom). One value draws a flat line (a polyline of one
 * point is invisible). Pure.
 */
export function sparklinePoints(values: readonly number[]): string {
  const first = values[0];
  if (first === undefined) return "";
  const { width, height, padding } = SPARKLINE;
  const max = Math.max(1, ...values);
  const y = (v: number) => round(height - padding - (Math.max(0, v) / max) * (height - 2 * padding));
  if (values.length === 1) return `${padding},${y(first)} ${width - padding},${y(first)}`;
  const step = (width - 2 * padding) / (values.length - 1);
  return values.map((v, i) => `${round(padding + i * step)},${y(v)}`).join(" ");
}

const round = (n: number) => Math.round(n * 10) / 10;
