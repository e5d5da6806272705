import {
  METRICS,
  type MetricDefinition,
  type MetricKey,
} from "../../../shared/telemetry/metric-definitions.ts";
import { allowedValues } from "../../../shared/telemetry/label-values.ts";

/**
 * What a PromQL expression refers to, read well enough for the checks (not a full parser): metric
 * selectors with their label matchers, and the labels of `by`, `without`, `on`, `ignoring`,
 * `group_left` and `group_right` clauses.
 */
export interface PromqlReferences {
  selectors: { metric: string; matchers: { label: string; op: string; value: string }[] }[];
  groupingLabels: string[];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "offset",
  "bool",
  "inf",
  "nan",
]);
const IDENTIFIER = /(?<![\w:.])([a-zA-Z_:][\w:]*)/g;
const SELECTOR = /([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}/g;
const MATCHER = /([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

export function promqlReferences(query: string): PromqlReferences {
  const selectors: PromqlReferences["selectors"] = [];
  // Selectors with braces first: their strings and label names must not read as metric names.
  let rest = query.replace(SELECTOR, (_, metric: string | undefined, body: string) => {
    const matchers = [...body.matchAll(MATCHER)].map((m) => ({
      label: m[1] as string,
      op: m[2] as string,
      value: m[3] as string,
    }));
    const named = matchers.find((m) => m.label === "__name__" && m.op === "=");
    const name = metric ?? named?.value ?? "";
    selectors.push({ metric: name, matchers: matchers.filter((m) => m !== named) });
    return " ";
  });
  const groupingLabels: string[] = [];
  rest = rest
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\[[^\]]*\]/g, " ") // range and subquery windows
    .replace(/\boffset\s+\S+/g, " ")
    .replace(GROUPING, (_, labels: string) => {
      groupingLabels.push(
        ...labels
          .split(",")
          .map((l) => l.trim())
          .filter((l) => l !== ""),
      );
      return " ";
    });
  for (const m of rest.matchAll(IDENTIFIER)) {
    const name = m[1] as string;
    const after = rest.slice((m.index ?? 0) + name.length);
    if (KEYWORDS.has(name.toLowerCase()) || /^\s*\(/.test(after)) continue; // a function or keyword
    selectors.push({ metric: name, matchers: [] });
  }
  return { selectors, groupingLabels };
}

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"] as const;

/** The definition a series name belongs to (a histogram's `_bucket`/`_sum`/`_count` map to it). */
export function definitionOf(
  series: string,
): { key: MetricKey; definition: MetricDefinition; labels: string[] } | undefined {
  for (const [key, definition] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
    if (definition.name === series) return { key, definition, labels: [...definition.labels] };
    if (definition.type !== "histogram") continue;
    const suffix = HISTOGRAM_SUFFIXES.find((s) => series === `${definition.name}${s}`);
    if (suffix !== undefined) {
      return { key, definition, labels: [...definition.labels, ...(suffix === "_bucket" ? ["le"] : [])] };
    }
  }
  return undefined;
}

/** Values a matcher names: the value itself, or each branch of a plain `a|b|c` regex. */
function namedValues(op: string, value: string): string[] | undefined {
  if (op === "=" || op === "!=") return [value];
  return /^[\w.+-]+(\|[\w.+-]+)*$/.test(value) ? value.split("|") : undefined;
}

/**
 * Every reference of `query` that metric-definitions.ts does not define, as readable problems:
 * unknown metrics, labels a metric does not carry, values outside a label's bounded list, and
 * grouping labels no metric of the query carries. `extraLabels` are labels the platform adds to
 * every series (allowed in matchers and groupings).
 */
export function unknownReferences(
  where: string,
  query: string,
  extraLabels: readonly string[] = [],
): string[] {
  const { selectors, groupingLabels } = promqlReferences(query);
  const problems: string[] = [];
  const carried = new Set(extraLabels);
  if (selectors.length === 0) problems.push(`${where}: no metric found in ${JSON.stringify(query)}`);
  for (const { metric, matchers } of selectors) {
    const found = definitionOf(metric);
    if (found === undefined) {
      problems.push(`${where}: unknown metric ${metric}`);
      continue;
    }
    for (const label of found.labels) carried.add(label);
    for (const { label, op, value } of matchers) {
      if (extraLabels.includes(label)) continue;
      if (!found.labels.includes(label)) {
        problems.push(`${where}: ${metric} has no label ${label}`);
        continue;
      }
      const allowed = label === "le" ? undefined : allowedValues(found.key, label);
      const values = namedValues(op, value) ?? [];
      const outside = allowed === undefined ? [] : values.filter((v) => !allowed.includes(v));
      for (const v of outside) problems.push(`${where}: ${metric} label ${label} never takes the value ${v}`);
    }
  }
  for (const label of groupingLabels) {
    if (!carried.has(label))
      problems.push(`${where}: no metric of the query has the label ${label} it groups by`);
  }
  return problems;
}
