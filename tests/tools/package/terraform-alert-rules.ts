import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { TERRAFORM_DIR } from "./terraform-config.ts";

/** The Prometheus rules file that the local Prometheus loads and terraform/monitoring.tf reads. */
export const ALERT_RULES_FILE = path.join(TERRAFORM_DIR, "prometheus", "alert-rules.yml");
/** Its `promtool test rules` file. */
export const ALERT_RULES_TEST_FILE = path.join(TERRAFORM_DIR, "prometheus", "alert-rules.test.yml");
/** The dashboard (`templatefile` input: plain JSON with `${…}` placeholders inside strings). */
export const DASHBOARD_FILE = path.join(TERRAFORM_DIR, "dashboard.json");

const Rule = z.strictObject({
  alert: z.string(),
  expr: z.string(),
  for: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
});
const RulesFile = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string(), interval: z.string(), rules: z.array(Rule) })),
});
export type AlertRule = z.infer<typeof Rule> & { group: string; interval: string };

/** Every rule of the rules file with its group's name and interval, in file order. */
export function loadAlertRules(file = ALERT_RULES_FILE): AlertRule[] {
  const decoded = RulesFile.parse(parse(readFileSync(file, "utf8")));
  return decoded.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name, interval: g.interval })));
}

const RuleTest = z.strictObject({
  name: z.string(),
  interval: z.string(),
  input_series: z.array(z.strictObject({ series: z.string(), values: z.string() })),
  alert_rule_test: z.array(
    z.strictObject({
      eval_time: z.string(),
      alertname: z.string(),
      exp_alerts: z
        .array(
          z.strictObject({
            exp_labels: z.record(z.string(), z.string()),
            exp_annotations: z.record(z.string(), z.string()),
          }),
        )
        .nullable(),
    }),
  ),
});
const RulesTestFile = z.strictObject({
  rule_files: z.array(z.string()),
  evaluation_interval: z.string(),
  tests: z.array(RuleTest),
});
export type RulesTests = z.infer<typeof RulesTestFile>;

export function loadAlertRuleTests(file = ALERT_RULES_TEST_FILE): RulesTests {
  return RulesTestFile.parse(parse(readFileSync(file, "utf8")));
}

/** Walks the dashboard, collecting what `pick` finds in each object with the nearest widget title. */
function collect(
  dashboard: unknown,
  pick: (node: Record<string, unknown>) => string | undefined,
): { title: string; value: string }[] {
  const found: { title: string; value: string }[] = [];
  const walk = (node: unknown, title: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, title));
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    const here = typeof record.title === "string" ? record.title : title;
    const value = pick(record);
    if (value !== undefined) found.push({ title: here, value });
    for (const child of Object.values(record)) walk(child, here);
  };
  walk(dashboard, "");
  return found;
}

const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** Each `prometheusQuery` of the dashboard with its widget's title. */
export function dashboardQueries(dashboard: unknown): { title: string; value: string }[] {
  return collect(dashboard, (node) => asString(node.prometheusQuery));
}

/** Each `timeSeriesFilter.filter` (Cloud Monitoring's own metrics) with its widget's title. */
export function dashboardFilters(dashboard: unknown): { title: string; value: string }[] {
  return collect(dashboard, (node) =>
    asString((node.timeSeriesFilter as { filter?: unknown } | undefined)?.filter),
  );
}

/** The dashboard file as JSON (its placeholders are inside strings, so it parses as it is). */
export function loadDashboard(file = DASHBOARD_FILE): unknown {
  return JSON.parse(readFileSync(file, "utf8")) as unknown;
}
