import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "../../shared/config.ts";
import type { Env } from "../../shared/config-parsers.ts";
import { taskTokenPolicy } from "../../shared/wiring/process-runtime.ts";
import { PRELOAD_MODULE } from "../tools/package/build-artifact.ts";
import { loadTerraform, type HclValue, type TerraformModule } from "../tools/package/terraform-config.ts";
import {
  deployedEnv,
  FUNCTION_RESOURCES,
  functionEnvironment,
  PRELOAD_NODE_OPTIONS,
  SAMPLE_INPUTS,
  type FunctionEnvironment,
} from "../tools/package/terraform-function-env.ts";

// The functions' configuration as Terraform deploys it, checked against loadConfig itself: the
// names it sets, the defaults and ranges of its variables, and what each function needs to start.

const BASE = { GOOGLE_CLOUD_PROJECT: SAMPLE_INPUTS.variables.project_id };

/** Variables loadConfig reads that Terraform leaves unset on purpose, and why. */
const NOT_SET_ON_PURPOSE: Record<string, string> = {
  TASKS_EMULATOR_HOST: "the local Cloud Tasks emulator only",
  UNVERIFIED_TASKS_LOCAL_ONLY: "the local-only switch; a deployment always verifies task tokens",
  TASKS_OIDC_AUDIENCE: "defaults to TASK_HANDLER_URL, the audience Cloud Tasks mints tokens for",
  TASKS_OIDC_ISSUER: "the default is Google's issuer",
  TASKS_OIDC_JWKS_URL: "the default is Google's signing keys",
  PIXELLAB_SECRET: "an alias of PIXELLAB_API_KEY, which comes from Secret Manager",
  WEBHOOK_LOOPBACK_LOCAL_ONLY:
    "the local-only switch; a deployment refuses loopback and plain-http receivers",
};

/** Variables Terraform sets for the runtime rather than for loadConfig, and why. */
const FOR_THE_RUNTIME: Record<string, string> = {
  NODE_ENV:
    "the Functions Framework answers bodies that are not JSON itself, without a stack trace only in production",
  NODE_OPTIONS: "Node imports the telemetry preload before the function code",
};

/** Every variable name loadConfig reads, observed by reading its environment through a proxy. */
function namesLoadConfigReads(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy<Env>(BASE, {
    get(target, name) {
      if (typeof name === "string") read.add(name);
      return Reflect.get(target, name);
    },
  });
  loadConfig(env);
  return read;
}

function problemsOf(env: Env): readonly string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

let module: TerraformModule;
let tuning: Record<string, HclValue>;
let environments: Record<(typeof FUNCTION_RESOURCES)[number], FunctionEnvironment>;
beforeAll(async () => {
  module = await loadTerraform();
  tuning = module.locals.tuning_env as Record<string, HclValue>;
  environments = {
    api: functionEnvironment(module, "api"),
    process_job: functionEnvironment(module, "process_job"),
    sweep: functionEnvironment(module, "sweep"),
  };
});

describe("the environment Terraform gives the functions", () => {
  it("names only variables loadConfig reads, and every one of them but the deliberate exceptions", () => {
    const known = namesLoadConfigReads();
    const set = new Set(
      FUNCTION_RESOURCES.flatMap((f) => [...environments[f].names, ...Object.keys(environments[f].secrets)]),
    );
    expect([...set].filter((name) => !known.has(name))).toEqual(Object.keys(FOR_THE_RUNTIME));
    expect([...known].filter((name) => !set.has(name)).sort()).toEqual(
      Object.keys(NOT_SET_ON_PURPOSE).sort(),
    );
  });

  it("takes each setting from the Terraform variable named after it", () => {
    const mismatched = Object.entries(tuning).filter(
      ([name, value]) => value !== `\${var.${name.toLowerCase()}}`,
    );
    expect(mismatched).toEqual([]);
  });

  it.each(FUNCTION_RESOURCES)("%s starts with it: loadConfig accepts it as deployed", (name) => {
    const config = loadConfig(deployedEnv(environments[name]));
    expect(config.projectId).toBe(SAMPLE_INPUTS.variables.project_id);
    expect(config.location).toBe(SAMPLE_INPUTS.variables.region);
    // Every function may enqueue (first attempts, retries, sweeper rescues) with an OIDC token.
    expect(config.taskHandlerUrl).toBe(
      `https://europe-west1-demo-deploy-check.cloudfunctions.net/genq-process-job`,
    );
    expect(config.tasksServiceAccountEmail).toBe(
      SAMPLE_INPUTS.known["google_service_account.tasks_invoker.email"],
    );
  });

  it("processJob gets what it refuses to start without: the PixelLab key and the token settings", () => {
    const env = environments.process_job;
    expect(Object.keys(env.secrets)).toContain("PIXELLAB_API_KEY");
    const config: Config = loadConfig(deployedEnv(env));
    expect(config.pixellab.apiKey).toBe(SAMPLE_INPUTS.secrets.PIXELLAB_API_KEY);
    expect(taskTokenPolicy(config)).toMatchObject({
      audience: config.taskHandlerUrl,
      serviceAccountEmail: config.tasksServiceAccountEmail,
      issuer: "https://accounts.google.com",
    });
  });

  it.each(FUNCTION_RESOURCES)("%s starts the telemetry preload before the function code", (name) => {
    expect(environments[name].plain.NODE_OPTIONS).toBe(PRELOAD_NODE_OPTIONS);
    expect(PRELOAD_NODE_OPTIONS).toBe("--import ./shared/telemetry/preload.js");
    // The artifact compiles this module to the .js the option names (build-artifact.ts).
    expect(existsSync(PRELOAD_MODULE), PRELOAD_MODULE).toBe(true);
  });

  it.each(FUNCTION_RESOURCES)("%s gets METRICS_TOKEN from Secret Manager, so /metrics accepts it", (name) => {
    expect(environments[name].secrets.METRICS_TOKEN).toMatchObject({
      secret: "${google_secret_manager_secret.metrics_token.secret_id}",
      version: "latest",
    });
    expect(Object.keys(environments[name].plain)).not.toContain("METRICS_TOKEN");
    expect(loadConfig(deployedEnv(environments[name])).metricsToken).toBe(
      SAMPLE_INPUTS.secrets.METRICS_TOKEN,
    );
  });

  it.each(FUNCTION_RESOURCES)(
    "%s gets the webhook settings, and loadConfig reads them as deployed",
    (name) => {
      const env = environments[name];
      expect(env.plain).toMatchObject({
        WEBHOOK_QUEUE: "webhooks",
        WEBHOOK_MAX_CONCURRENT: "10",
        WEBHOOK_TIMEOUT_MS: "10000",
        WEBHOOK_SECRET_GRACE_HOURS: "24",
      });
      expect(Object.keys(env.plain)).not.toContain("WEBHOOK_LOOPBACK_LOCAL_ONLY");
      const config = loadConfig(deployedEnv(env));
      expect(config.webhooks).toEqual({
        queueId: "webhooks",
        concurrency: 10,
        timeoutMs: 10_000,
        secretGraceMs: 24 * 3_600_000,
        allowLoopback: false,
      });
      expect(config.webhooks).toEqual(loadConfig(BASE).webhooks); // the code's defaults
      expect([config.queueId, config.batchQueueId]).not.toContain(config.webhooks.queueId);
    },
  );

  it("a deployment cannot allow loopback webhook receivers, even if WEBHOOK_LOOPBACK_LOCAL_ONLY were added", () => {
    const env = { ...deployedEnv(environments.process_job), WEBHOOK_LOOPBACK_LOCAL_ONLY: "true" };
    expect(() => loadConfig(env)).toThrow(/WEBHOOK_LOOPBACK_LOCAL_ONLY/);
    expect(Object.keys(module.variables).filter((v) => v.includes("loopback"))).toEqual([]);
  });

  it("api and sweep never see the PixelLab key", () => {
    for (const name of ["api", "sweep"] as const) {
      expect(Object.keys(environments[name].secrets)).not.toContain("PIXELLAB_API_KEY");
      expect(Object.keys(environments[name].plain)).not.toContain("PIXELLAB_API_KEY");
    }
  });
});

describe("the Terraform variables behind the settings", () => {
  it("default to what loadConfig defaults to (null: left to the code)", () => {
    const unset = loadConfig(BASE);
    const differing = Object.keys(tuning).filter((name) => {
      const fallback = module.variables[name.toLowerCase()]?.default;
      return (
        fallback !== null &&
        JSON.stringify(loadConfig({ ...BASE, [name]: String(fallback) })) !== JSON.stringify(unset)
      );
    });
    expect(differing).toEqual([]);
    // null defaults must be optional settings the code derives, never required ones.
    const derived = Object.keys(tuning).filter(
      (name) => module.variables[name.toLowerCase()]?.default === null,
    );
    expect(derived.sort()).toEqual([
      "ANON_DAILY_SPEND_USD",
      "QUEUE_WARNING_THRESHOLD",
      "RETRY_AFTER_MAX_MS",
      "TASKS_BATCH_MAX_CONCURRENT",
    ]);
  });

  /** Settings whose extremes only fit together with another value. */
  const COMPANIONS: Record<string, { min?: Env; max?: Env }> = {
    QUEUE_WARNING_THRESHOLD: { max: { QUEUE_CAPACITY: "100000" } },
    RETRY_BASE_DELAY_MS: { max: { RETRY_MAX_DELAY_MS: "3600000" } },
    RETRY_MAX_DELAY_MS: { min: { RETRY_BASE_DELAY_MS: "100" } },
    TASKS_BATCH_MAX_CONCURRENT: { max: { TASKS_MAX_CONCURRENT: "5000" } },
    TASKS_MAX_CONCURRENT: { min: { TASKS_BATCH_MAX_CONCURRENT: "1" } },
  };

  it("accept exactly the integer range loadConfig accepts", () => {
    const checked: string[] = [];
    for (const name of Object.keys(tuning)) {
      const variable = module.variables[name.toLowerCase()];
      if (variable?.type !== "${number}") continue;
      const condition = String((variable.validation as { condition: string }[])[0]?.condition);
      const min = Number(/>= (-?\d+)/.exec(condition)?.[1]);
      const max = Number(/<= (\d+)/.exec(condition)?.[1]);
      const companion = COMPANIONS[name] ?? {};
      expect(condition, name).toContain(`floor(var.${name.toLowerCase()})`);
      expect(problemsOf({ ...companion.min, [name]: String(min) }), `${name}=${min}`).toEqual([]);
      expect(problemsOf({ ...companion.max, [name]: String(max) }), `${name}=${max}`).toEqual([]);
      expect(
        problemsOf({ ...companion.min, [name]: String(min - 1) }).join(),
        `${name}=${min - 1}`,
      ).toContain(name);
      expect(
        problemsOf({ ...companion.max, [name]: String(max + 1) }).join(),
        `${name}=${max + 1}`,
      ).toContain(name);
      checked.push(name);
    }
    expect(checked.length).toBe(26);
  });

  it("list loadConfig's log levels", () => {
    const condition = String(
      (module.variables.log_level?.validation as { condition: string }[])[0]?.condition,
    );
    const levels = [...condition.matchAll(/"(\w+)"/g)].map((m) => m[1] as string);
    expect(levels).toEqual(["debug", "info", "warn", "error"]);
    for (const level of levels) expect(problemsOf({ LOG_LEVEL: level })).toEqual([]);
  });
});
