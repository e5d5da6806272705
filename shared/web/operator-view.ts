import type { DeadLetterEntry, QueueGaugesView } from "../client/admin-client.ts";
import { GAUGES, SPARKLINE, sparklinePoints, type Gauge } from "./gauge-history.ts";
import { byId } from "./view.ts";

const SVG = "http://www.w3.org/2000/svg";

/** What the operator page shows: the sign-in form, the "operators only" notice, or the dashboard. */
export type OperatorPanel = "sign-in" | "forbidden" | "dashboard";

export function showPanel(panel: OperatorPanel): void {
  for (const id of ["sign-in", "forbidden", "dashboard"] as const) byId(id).hidden = id !== panel;
  byId("sign-out").hidden = panel === "sign-in";
}

/** One card per gauge, each with its number and an empty sparkline; built once per page. */
export function buildGaugeCards(): void {
  byId("gauges").replaceChildren(
    ...GAUGES.map((gauge) => {
      const card = document.createElement("figure");
      card.className = "gauge";
      card.id = `gauge-${gauge.id}`;
      const label = document.createElement("figcaption");
      label.textContent = gauge.label;
      const value = document.createElement("strong");
      value.className = "value";
      value.textContent = "–";
      const chart = document.createElementNS(SVG, "svg");
      chart.id = `chart-${gauge.id}`;
      chart.setAttribute("viewBox", `0 0 ${SPARKLINE.width} ${SPARKLINE.height}`);
      chart.setAttribute("preserveAspectRatio", "none");
      chart.setAttribute("role", "img");
      chart.append(document.createElementNS(SVG, "polyline"));
      card.append(label, value, chart);
      return card;
    }),
  );
}

/** The latest value of every gauge (also as `data-value`, for tests and scrapers) and its history. */
export function renderGauges(history: readonly QueueGaugesView[]): void {
  const latest = history.at(-1);
  if (latest === undefined) return;
  for (const gauge of GAUGES) {
    const values = history.map(gauge.read);
    const value = gauge.read(latest);
    const card = byId(`gauge-${gauge.id}`);
    card.dataset.value = String(value);
    card.querySelector(".value")!.textContent = formatGauge(gauge, value);
    const chart = byId(`chart-${gauge.id}`);
    chart.querySelector("polyline")!.setAttribute("points", sparklinePoints(values));
    chart.dataset.samples = String(values.length);
    chart.setAttribute(
      "aria-label",
      `${gauge.label}, last ${values.length} samples: min ${Math.min(...values)}, max ${Math.max(...values)}`,
    );
  }
  byId("updated").textContent = `Updated ${new Date(latest.at).toLocaleTimeString()}`;
}

function formatGauge(gauge: Gauge, value: number): string {
  if (gauge.unit !== "s") return String(value);
  return value < 120 ? `${Math.round(value)} s` : `${Math.round(value / 60)} min`;
}

export interface DeadLetterActions {
  retry(jobId: string): void;
  discard(jobId: string): void;
}

/** The dead-letter table, newest first, with a retry (replay) and a delete button per entry. */
export function renderDeadLetters(entries: readonly DeadLetterEntry[], actions: DeadLetterActions): void {
  byId("dead-letters-empty").hidden = entries.length > 0;
  byId("dead-letters").replaceChildren(
    ...entries.map((entry) => {
      const row = document.createElement("tr");
      row.dataset.jobId = entry.jobId;
      row.dataset.errorType = entry.errorType;
      row.append(
        cell(new Date(entry.failedAt).toLocaleString()),
        cell(entry.jobId, "mono"),
        cell(entry.operation),
        cell(entry.errorType, "error-type"),
        cell(entry.error.message, "message"),
        cell(String(entry.attempts)),
        buttons(entry.jobId, actions),
      );
      return row;
    }),
  );
}

function buttons(jobId: string, actions: DeadLetterActions): HTMLTableCellElement {
  const td = document.createElement("td");
  for (const [name, label, act] of [
    ["retry", "Retry", actions.retry],
    ["delete", "Delete", actions.discard],
  ] as const) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = name;
    button.textContent = label;
    button.addEventListener("click", () => {
      if (name === "delete" && !confirm(`Delete the dead letter of job ${jobId}? The job stays failed.`))
        return;
      // Until the table is drawn again after the action, so one click is one request.
      td.querySelectorAll("button").forEach((b) => (b.disabled = true));
      act(jobId);
    });
    td.append(button);
  }
  return td;
}

/** How many recent failures (attempt errors across the listed dead letters) the page lists. */
const RECENT_FAILURES = 15;

/**
 * Recent failures: every attempt's error of the listed dead letters, newest first, and how many
 * entries each error type accounts for. An entry's attempts can fail differently (a timeout, then a
 * validation error), which the table's one error type per entry does not show.
 */
export function renderFailures(entries: readonly DeadLetterEntry[]): void {
  const byType = new Map<string, number>();
  for (const entry of entries) byType.set(entry.errorType, (byType.get(entry.errorType) ?? 0) + 1);
  byId("failure-types").replaceChildren(
    ...[...byType].map(([type, count]) => {
      const chip = document.createElement("li");
      chip.dataset.errorType = type;
      chip.dataset.count = String(count);
      chip.textContent = `${type}: ${count}`;
      return chip;
    }),
  );
  const failures = entries
    .flatMap((entry) => entry.attemptErrors.map((error) => ({ jobId: entry.jobId, ...error })))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, RECENT_FAILURES);
  byId("failures-empty").hidden = failures.length > 0;
  byId("failures").replaceChildren(
    ...failures.map((failure) => {
      const item = document.createElement("li");
      item.dataset.jobId = failure.jobId;
      item.dataset.errorType = failure.type;
      const status = failure.status === null ? "" : ` (HTTP ${failure.status})`;
      item.textContent = `${new Date(failure.at).toLocaleTimeString()} · ${failure.type}${status} · ${failure.message} · job ${failure.jobId}`;
      return item;
    }),
  );
}

/** A line under the table saying what the last action did, or why it was refused. */
export function renderActionStatus(message: string, failed = false): void {
  const line = byId("action-status");
  line.textContent = message;
  line.classList.toggle("error", failed);
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className !== undefined) td.className = className;
  return td;
}
