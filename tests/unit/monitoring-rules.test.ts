import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  ALERT_RULES_FILE,
  ALERT_RULES_TEST_FILE,
  loadAlertRules,
  loadAlertRuleTests,
} from "../tools/package/terraform-alert-rules.ts";

// terraform/prometheus/alert-rules.yml, the one source of the local Prometheus' alerts and of the
// Cloud Monitoring alert policies: valid for Prometheus (`promtool check rules`), each alert shown
// firing and staying quiet on input series (`promtool test rules`), and written in the shape
// terraform/monitoring.tf turns into policies.

const PROMTOOL = "/usr/bin/promtool";

/** Runs promtool, failing with how to install it when it is missing. */
function promtool(...args: string[]): { status: number | null; output: string } {
  if (!existsSync(PROMTOOL)) {
    throw new Error(
      `${PROMTOOL} is missing: it comes with Debian's prometheus package (apt-get install -y prometheus)`,
    );
  }
  const result = spawnSync(PROMTOOL, args, { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rules = loadAlertRules();
const tests = loadAlertRuleTests();

// promtool is a process of its own (about 0.5 s alone, several seconds on a loaded 2-core CI machine).
describe("promtool", { timeout: 60_000 }, () => {
  it("check rules accepts the rules file", () => {
    const result = promtool("check", "rules", ALERT_RULES_FILE);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });

  it("test rules passes every case of alert-rules.test.yml", () => {
    const result = promtool("test", "rules", ALERT_RULES_TEST_FILE);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });

  it("test rules fails when an expectation is wrong (the cases are not vacuous)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "alert-rules-"));
    try {
      // Every case made to expect silence: each alert's firing cases must now fail, naming it.
      const quieted = {
        ...tests,
        rule_files: [ALERT_RULES_FILE],
        tests: tests.tests.map((t) => ({
          ...t,
          alert_rule_test: t.alert_rule_test.map((c) => ({ ...c, exp_alerts: [] })),
        })),
      };
      const file = path.join(dir, "quieted.test.yml");
      writeFileSync(file, stringify(quieted));
      const result = promtool("test", "rules", file);
      expect(result.status).not.toBe(0);
      for (const rule of rules) expect(result.output, rule.alert).toContain(`alertname: ${rule.alert}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("alert-rules.test.yml", () => {
  const cases = tests.tests.flatMap((t) => t.alert_rule_test.map((c) => ({ test: t.name, ...c })));

  it.each(rules.map((r) => r.alert))("shows %s firing and staying quiet", (alert) => {
    const mine = cases.filter((c) => c.alertname === alert);
    expect(mine.filter((c) => (c.exp_alerts ?? []).length > 0).length, "firing cases").toBeGreaterThan(0);
    expect(mine.filter((c) => (c.exp_alerts ?? []).length === 0).length, "quiet cases").toBeGreaterThan(0);
  });

  it("names only alerts the rules file defines", () => {
    const known = new Set(rules.map((r) => r.alert));
    expect(cases.filter((c) => !known.has(c.alertname)).map((c) => c.alertname)).toEqual([]);
  });
});

describe("the rules, in the shape monitoring.tf reads", () => {
  it.each(rules)("$alert: a severity, a summary and a description", (rule) => {
    expect(["warning", "critical"]).toContain(rule.labels.severity);
    expect(Object.keys(rule.annotations).sort()).toEqual(["description", "summary"]);
    // Cloud Monitoring does not expand Prometheus' {{ }} templates: plain text only.
    expect(JSON.stringify(rule.annotations)).not.toMatch(/\{\{|\$\{/);
  });

  it.each(rules)("$alert: `for` in whole seconds, Cloud Monitoring's duration format", (rule) => {
    if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+s$/);
    // Cloud Monitoring evaluates PromQL conditions every 30 s or a multiple of it.
    expect(rule.interval).toMatch(/^\d+s$/);
    expect(Number.parseInt(rule.interval, 10) % 30).toBe(0);
  });

  it("alert names are unique (they key the policies)", () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it("covers the issue's alerts", () => {
    expect(rules.map((r) => [r.alert, r.labels.severity])).toEqual([
      ["QueueDepthWarning", "warning"],
      ["QueueDepthCritical", "critical"],
      ["OldestQueuedJobTooOld", "warning"],
      ["DeadLettersGrowing", "warning"],
      ["FailureRatioHigh", "critical"],
      ["EndToEndP95OverObjective", "warning"],
      ["NoJobCompletedWhileQueued", "critical"],
      ["WebhookMessagesGivenUp", "warning"],
    ]);
  });
});
