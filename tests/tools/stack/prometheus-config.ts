/**
 * The local Prometheus' configuration: every function's `/metrics` every 5 s, with the stack's
 * `METRICS_TOKEN` as bearer token, and the alert rules when they exist. Pure: it returns YAML text.
 */

/** How often Prometheus scrapes and evaluates the rules, in s (Cloud Monitoring's finest, too). */
export const SCRAPE_INTERVAL_S = 5;

export interface ScrapeTarget {
  /** Prometheus' `job` label: the function target (`api`, `processJob`, `sweep`). */
  job: string;
  /** `host:port` */
  address: string;
}

export interface PrometheusConfigInput {
  targets: readonly ScrapeTarget[];
  /** The `Authorization: Bearer` credential `/metrics` requires. */
  token: string;
  /** Absolute paths of rule files to load. @defaultValue none */
  ruleFiles?: readonly string[];
}

/** YAML text; strings are JSON-quoted, which YAML reads as double-quoted scalars. */
export function prometheusConfig(input: PrometheusConfigInput): string {
  const q = (s: string) => JSON.stringify(s);
  const rules = input.ruleFiles ?? [];
  return [
    "# Written by npm start (tests/tools/stack/prometheus-config.ts) at every start.",
    "global:",
    `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
    `  scrape_timeout: ${SCRAPE_INTERVAL_S - 1}s`,
    `  evaluation_interval: ${SCRAPE_INTERVAL_S}s`,
    ...(rules.length === 0 ? [] : ["rule_files:", ...rules.map((file) => `  - ${q(file)}`)]),
    "scrape_configs:",
    ...input.targets.flatMap((target) => [
      `  - job_name: ${q(target.job)}`,
      "    metrics_path: /metrics",
      "    authorization:",
      `      credentials: ${q(input.token)}`,
      "    static_configs:",
      `      - targets: [${q(target.address)}]`,
    ]),
    "",
  ].join("\n");
}
