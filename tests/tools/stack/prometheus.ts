import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { logTail, startServiceProcess, type ServiceProcess } from "../../harness/service-process.ts";
import { waitFor } from "../../harness/wait-for.ts";
import type { StackPorts } from "./ports.ts";
import { prometheusConfig, type ScrapeTarget } from "./prometheus-config.ts";

/** What to say when Prometheus is not installed: `npm start` runs without it. */
export const PROMETHEUS_MISSING_NOTE =
  "Prometheus: not installed, so not started (apt-get install -y prometheus enables it)";

/** The alert rules (written beside the Terraform alert policies), loaded when the file exists. */
export const ALERT_RULES_FILE = "terraform/prometheus/alert-rules.yml";

/** How long Prometheus may take to answer `/-/ready`, in ms (about 1 s here; replaying a WAL takes longer). */
const READY_TIMEOUT_MS = 30_000;

/** The `prometheus` executable on `env.PATH` (Debian's package puts it in /usr/bin), or undefined. */
export function findPrometheus(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, "prometheus");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface PrometheusOptions {
  binary: string;
  port: number;
  /** Its own folder (configuration and data), emptied first: another stack's Prometheus must not share it. */
  dir: string;
  targets: readonly ScrapeTarget[];
  token: string;
  /** Loaded when the file exists. @defaultValue {@link ALERT_RULES_FILE} */
  rulesFile?: string;
}

/**
 * The local stack's Prometheus: each function's `/metrics` (labelled `job` = its target), its folder
 * per port (a test's stack beside `npm start` must not share, and lock, the same one). Undefined
 * when the stack has no port for it or it is not installed.
 */
export function stackPrometheus(
  ports: StackPorts,
  outer: NodeJS.ProcessEnv,
  stateDir: string,
  token: string,
): PrometheusOptions | undefined {
  const binary = findPrometheus(outer);
  if (ports.prometheus === undefined || binary === undefined) return undefined;
  const targets = (["api", "processJob", "sweep"] as const).map((job) => ({
    job,
    address: `127.0.0.1:${ports[job]}`,
  }));
  const dir = path.join(stateDir, `prometheus-${ports.prometheus}`);
  return { binary, port: ports.prometheus, dir, targets, token };
}

export interface RunningPrometheus {
  process: ServiceProcess;
  url: string;
  /** The rule files it loaded (none while the rules file does not exist). */
  ruleFiles: string[];
}

/** Writes the configuration and starts Prometheus on 127.0.0.1, resolving once it is ready. */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = path.resolve(options.dir);
  rmSync(dir, { recursive: true, force: true }); // the stack's data is fresh at every start
  mkdirSync(dir, { recursive: true });
  const rules = path.resolve(options.rulesFile ?? ALERT_RULES_FILE);
  const ruleFiles = exists(rules) ? [rules] : [];
  const configFile = path.join(dir, "prometheus.yml");
  writeFileSync(configFile, prometheusConfig({ targets: options.targets, token: options.token, ruleFiles }));
  const url = `http://127.0.0.1:${options.port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--storage.tsdb.retention.time=1d`,
    `--web.listen-address=127.0.0.1:${options.port}`,
  ];
  const service = startServiceProcess("prometheus", options.binary, args, { PATH: process.env.PATH });
  try {
    await waitFor(
      async () => {
        if (service.exited()) throw new Error(`prometheus exited:\n${logTail(service)}`);
        return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok;
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, description: `prometheus at ${url}/-/ready` },
    );
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { process: service, url: `${url}/`, ruleFiles };
}

function exists(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
