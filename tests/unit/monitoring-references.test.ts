import { beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "../../shared/telemetry/metric-definitions.ts";
import {
  dashboardFilters,
  dashboardQueries,
  loadAlertRules,
  loadAlertRuleTests,
  loadDashboard,
} from "../tools/package/terraform-alert-rules.ts";
import { block, loadTerraform, type TerraformModule } from "../tools/package/terraform-config.ts";
import { terraformBinary, terraformConsole } from "../tools/package/terraform-console.ts";
import { SAMPLE_INPUTS } from "../tools/package/terraform-function-env.ts";
import {
  definitionOf,
  promqlReferences,
  unknownReferences,
} from "../tools/package/terraform-metric-references.ts";

// Every metric and label the dashboard, the alert policies and the Prometheus rules query is one
// shared/telemetry/metric-definitions.ts defines, with a value its label can take: a renamed metric
// or label fails here, naming it, instead of leaving an empty chart or an alert that never fires.

/** Labels the platform adds to every series: Prometheus' scrape target, Cloud Monitoring's instance. */
const TARGET_LABELS = ["instance"] as const;

const dashboard = loadDashboard();
const rules = loadAlertRules();

let module: TerraformModule;
beforeAll(async () => {
  module = await loadTerraform();
});

describe("the reference check itself", () => {
  it.each([
    { name: "a defined counter", query: "sum(rate(genqueue_attempts_total[5m]))", problems: [] },
    {
      name: "a histogram's bucket with le",
      query: "histogram_quantile(0.5, sum by (le) (rate(genqueue_job_wait_seconds_bucket[5m])))",
      problems: [],
    },
    {
      name: "an unknown metric",
      query: "sum(rate(genqueue_jobs_done_total[5m]))",
      problems: ["q: unknown metric genqueue_jobs_done_total"],
    },
    {
      name: "a histogram suffix on a counter",
      query: "genqueue_attempts_total_count",
      problems: ["q: unknown metric genqueue_attempts_total_count"],
    },
    {
      name: "a label the metric does not carry",
      query: 'genqueue_dead_letters{status="queued"}',
      problems: ["q: genqueue_dead_letters has no label status"],
    },
    {
      name: "a value outside the label's list, in a regex branch",
      query: 'genqueue_jobs{status=~"queued|retry_wait"}',
      problems: ["q: genqueue_jobs label status never takes the value retry_wait"],
    },
    {
      name: "an attempt outcome on submissions",
      query: 'genqueue_submissions_total{outcome="lease-lost"}',
      problems: ["q: genqueue_submissions_total label outcome never takes the value lease-lost"],
    },
    {
      name: "grouping by a label no metric of the query has",
      query: "sum by (operation) (genqueue_cache_lookups_total)",
      problems: ["q: no metric of the query has the label operation it groups by"],
    },
    {
      name: "le outside a bucket",
      query: "sum by (le) (genqueue_job_wait_seconds_sum)",
      problems: ["q: no metric of the query has the label le it groups by"],
    },
  ])("$name", ({ query, problems }) => {
    expect(unknownReferences("q", query)).toEqual(problems);
  });

  it("reads selectors behind offset, on(), vector() and multi-line expressions", () => {
    const refs = promqlReferences(
      'max(genqueue_dead_letters offset 15m)\n and on() (sum(x_total{a="b"}) or on() vector(0))',
    );
    expect(refs.selectors.map((s) => s.metric).sort()).toEqual(["genqueue_dead_letters", "x_total"]);
    expect(refs.selectors.find((s) => s.metric === "x_total")?.matchers).toEqual([
      { label: "a", op: "=", value: "b" },
    ]);
  });
});

describe("the dashboard", () => {
  const queries = dashboardQueries(dashboard);

  it("queries only defined metrics, labels and label values", () => {
    expect(queries.length).toBeGreaterThanOrEqual(16);
    expect(queries.flatMap((q) => unknownReferences(`dashboard.json "${q.title}"`, q.value))).toEqual([]);
  });

  it("shows every metric the code defines", () => {
    const shown = new Set(
      queries.flatMap((q) =>
        promqlReferences(q.value).selectors.map((s) => definitionOf(s.metric)?.definition.name),
      ),
    );
    expect(
      Object.values(METRICS)
        .filter((m) => !shown.has(m.name))
        .map((m) => m.name),
    ).toEqual([]);
  });

  it("shows Cloud Tasks' own depth and attempts for the deployment's queue", () => {
    const filters = dashboardFilters(dashboard).map((f) => f.value);
    const types = filters.map((f) => /metric\.type="([^"]+)"/.exec(f)?.[1]);
    expect(types).toEqual([
      "cloudtasks.googleapis.com/queue/depth",
      "cloudtasks.googleapis.com/queue/task_attempt_count",
    ]);
    for (const filter of filters) {
      expect(filter).toContain('resource.type="cloud_tasks_queue"');
      expect(filter).toContain('resource.label."queue_id"="${tasks_queue}"');
    }
  });
});

describe("the Prometheus rules and their tests", () => {
  it("query only defined metrics, labels and label values", () => {
    expect(rules.length).toBe(8);
    expect(rules.flatMap((r) => unknownReferences(`alert-rules.yml ${r.alert}`, r.expr))).toEqual([]);
  });

  it("feed promtool only series the code records (a misspelt series would pass a quiet test)", () => {
    const problems = loadAlertRuleTests().tests.flatMap((t) =>
      t.input_series.flatMap((s) =>
        unknownReferences(`alert-rules.test.yml "${t.name}"`, s.series, TARGET_LABELS),
      ),
    );
    expect(problems).toEqual([]);
  });
});

describe("the alert policies", () => {
  it("each take their query from the rules file", () => {
    const policy = module.resources.google_monitoring_alert_policy?.queue;
    expect(policy?.for_each).toBe("${local.alert_rules}");
    const condition = block(block(policy, "conditions"), "condition_prometheus_query_language");
    expect(condition?.query).toBe("${each.value.query}");
    expect(module.sources["monitoring.tf"]).toContain(
      'yamldecode(file("${path.module}/prometheus/alert-rules.yml"))',
    );
  });

  it("query only defined metrics, labels and values, as Terraform computes the queries", async () => {
    const terraform = terraformBinary();
    if (terraform === undefined) {
      console.log("policies' queries not evaluated: no terraform binary (the rules file was checked)");
      expect(terraform).toBeUndefined();
      return;
    }
    const result = await terraformConsole(terraform, module, {
      locals: ["alert_rule_groups", "alert_thresholds", "alert_rules"],
      vars: { project_id: SAMPLE_INPUTS.variables.project_id, region: SAMPLE_INPUTS.variables.region },
      expression: "{ for name, rule in local.alert_rules : name => rule.query }",
    });
    if (!result.ok) throw new Error(result.error);
    const queries = Object.entries(result.value as Record<string, string>);
    expect(queries.map(([name]) => name).sort()).toEqual(rules.map((r) => r.alert).sort());
    expect(queries.flatMap(([name, query]) => unknownReferences(`policy ${name}`, query))).toEqual([]);
  });
});
