import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { DASHBOARD_FILE, loadAlertRules } from "../tools/package/terraform-alert-rules.ts";
import {
  block,
  loadTerraform,
  type HclBody,
  type TerraformModule,
} from "../tools/package/terraform-config.ts";
import { terraformConsole } from "../tools/package/terraform-console.ts";
import { withTerraform } from "../harness/with-terraform.ts";
import { SAMPLE_INPUTS } from "../tools/package/terraform-function-env.ts";

// terraform/monitoring.tf: the dashboard from dashboard.json and one alert policy per rule of
// prometheus/alert-rules.yml, with the deployment's thresholds. The real Terraform evaluates the
// locals where its binary exists (no provider needed); the structure is checked everywhere.

const BASE = { GOOGLE_CLOUD_PROJECT: SAMPLE_INPUTS.variables.project_id };
const vars = { project_id: SAMPLE_INPUTS.variables.project_id, region: SAMPLE_INPUTS.variables.region };
const rules = loadAlertRules();

let module: TerraformModule;
let policy: HclBody | undefined;
beforeAll(async () => {
  module = await loadTerraform();
  policy = module.resources.google_monitoring_alert_policy?.queue;
});

/** The policies' fields as Terraform computes them from the rules file, under `extra` variables. */
async function evaluatedRules(binary: string, extra: Record<string, string> = {}) {
  const result = await terraformConsole(binary, module, {
    locals: ["alert_rule_groups", "alert_thresholds", "alert_rules"],
    vars: { ...vars, ...extra },
    expression: "local.alert_rules",
  });
  if (!result.ok) throw new Error(result.error);
  return result.value as Record<string, { query: string; duration: string | null; severity: string }>;
}

describe("the alert policies", () => {
  it("are one per rule, each a PromQL condition built from it", () => {
    expect(policy?.for_each).toBe("${local.alert_rules}");
    expect(policy?.combiner).toBe("OR");
    expect(policy?.severity).toBe("${upper(each.value.severity)}");
    const condition = block(block(policy, "conditions"), "condition_prometheus_query_language");
    expect(condition).toMatchObject({
      query: "${each.value.query}",
      duration: "${each.value.duration}",
      evaluation_interval: "${each.value.interval}",
      labels: "${each.value.labels}",
      alert_rule: "${each.key}",
      // The metrics do not exist before the functions first record them.
      disable_metric_validation: true,
    });
  });

  it("notify the channels of the notification_channels variable (none by default)", () => {
    expect(policy?.notification_channels).toBe("${var.notification_channels}");
    const variable = module.variables.notification_channels;
    expect(variable?.type).toBe("${list(string)}");
    expect(variable?.default).toEqual([]);
  });

  it("and the dashboard need the Monitoring API, which Terraform enables", () => {
    expect(String(module.locals.services)).toContain('"monitoring.googleapis.com"');
    expect(policy?.depends_on).toEqual(["${google_project_service.enabled}"]);
    expect(module.resources.google_monitoring_dashboard?.queue?.depends_on).toEqual([
      "${google_project_service.enabled}",
    ]);
  });

  it("keep the thresholds' defaults in the rules file equal to the code's and the variables'", () => {
    const config = loadConfig(BASE);
    const ending = (alert: string) =>
      rules
        .find((r) => r.alert === alert)
        ?.expr.trim()
        .split(/\s+/)
        .slice(-2);
    expect(ending("QueueDepthWarning")).toEqual([">=", String(config.limits.queueWarningThreshold)]);
    expect(ending("QueueDepthCritical")).toEqual([">=", String(config.limits.queueCapacity)]);
    expect(ending("EndToEndP95OverObjective")).toEqual([
      ">",
      String(module.variables.end_to_end_p95_objective_seconds?.default),
    ]);
    expect(module.variables.queue_capacity?.default).toBe(config.limits.queueCapacity);
  });

  it(
    "under the defaults, are exactly the rules file's expressions, durations and severities",
    withTerraform(async (binary) => {
      const evaluated = await evaluatedRules(binary);
      expect(Object.keys(evaluated).sort()).toEqual(rules.map((r) => r.alert).sort());
      for (const rule of rules) {
        expect(evaluated[rule.alert], rule.alert).toMatchObject({
          query: rule.expr.trim(),
          duration: rule.for ?? null,
          severity: rule.labels.severity,
        });
      }
    }),
  );

  it(
    "take the deployment's thresholds, the warning defaulting as loadConfig does",
    withTerraform(async (binary) => {
      const custom = await evaluatedRules(binary, {
        queue_capacity: "1000",
        queue_warning_threshold: "800",
        end_to_end_p95_objective_seconds: "90",
      });
      expect(custom.QueueDepthWarning?.query).toMatch(/\) >= 800$/);
      expect(custom.QueueDepthCritical?.query).toMatch(/\) >= 1000$/);
      expect(custom.EndToEndP95OverObjective?.query).toMatch(/\n\) > 90$/);
      // Untouched rules keep their own numbers.
      expect(custom.OldestQueuedJobTooOld?.query).toBe("max(genqueue_oldest_queued_age_seconds) > 300");
      // A small queue without an explicit warning: the code warns at its capacity.
      const small = await evaluatedRules(binary, { queue_capacity: "200" });
      const expected = loadConfig({ ...BASE, QUEUE_CAPACITY: "200" }).limits.queueWarningThreshold;
      expect(small.QueueDepthWarning?.query).toMatch(new RegExp(`\\) >= ${expected}$`));
    }),
  );
});

describe("the dashboard", () => {
  const placeholders = [...readFileSync(DASHBOARD_FILE, "utf8").matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);

  it("is dashboard.json through templatefile, every placeholder given a value", () => {
    const text = String(module.locals.dashboard_json);
    expect(text).toMatch(/^\$\{templatefile\("\$\{path\.module\}\/dashboard\.json", \{/);
    const given = [...text.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]);
    expect([...new Set(placeholders)].filter((p) => !given.includes(p))).toEqual([]);
    // A template directive would be read by templatefile, not passed through.
    expect(readFileSync(DASHBOARD_FILE, "utf8")).not.toContain("%{");
    expect(module.resources.google_monitoring_dashboard?.queue?.dashboard_json).toBe(
      "${local.dashboard_json}",
    );
  });

  it(
    "renders to JSON naming the deployment's queue and thresholds",
    withTerraform(async (binary) => {
      const result = await terraformConsole(binary, module, {
        locals: ["alert_thresholds", "dashboard_json"],
        vars: { ...vars, tasks_queue: "gen-b", queue_capacity: "300" },
        expression: "jsondecode(local.dashboard_json)",
      });
      if (!result.ok) throw new Error(result.error);
      const rendered = JSON.stringify(result.value);
      expect(rendered).not.toContain("${");
      expect(rendered).toContain('\\"queue_id\\"=\\"gen-b\\"');
      expect(rendered).toContain(`\\"location\\"=\\"${vars.region}\\"`);
      expect(rendered).toContain("warning at 300, critical at 300 active jobs");
      expect((result.value as { displayName: string }).displayName).toBe("genq: PixelLab generation queue");
    }),
  );
});
