import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTerraform, type TerraformModule } from "../tools/package/terraform-config.ts";
import { terraformConsole, terraformPlanVariables } from "../tools/package/terraform-console.ts";
import { withTerraform } from "../harness/with-terraform.ts";
import { functionEnvironment, SAMPLE_INPUTS } from "../tools/package/terraform-function-env.ts";

// Where a terraform binary exists, the real Terraform evaluates the configuration's expressions
// offline (variables and locals need no provider): the for-expressions over firestore.indexes.json,
// the environment map, and every variable validation at its bounds. Without the binary these
// checks print why they did not run; the other terraform-*.test.ts files still parse everything.

const vars = { project_id: SAMPLE_INPUTS.variables.project_id, region: SAMPLE_INPUTS.variables.region };
const spec = JSON.parse(readFileSync("firestore.indexes.json", "utf8")) as {
  indexes: { collectionGroup: string }[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean }[];
};

let module: TerraformModule;
beforeAll(async () => {
  module = await loadTerraform();
});

describe("Terraform evaluates", () => {
  it(
    "one TTL policy per ttl override and one index per composite index of firestore.indexes.json",
    withTerraform(async (binary) => {
      const result = await terraformConsole(binary, module, {
        locals: ["firestore_spec", "firestore_indexes", "ttl_fields"],
        vars,
        expression: "{ ttl = keys(local.ttl_fields), indexes = values(local.firestore_indexes) }",
      });
      expect(result).toMatchObject({ ok: true });
      const value = (result as { value: { ttl: string[]; indexes: unknown[] } }).value;
      const ttl = spec.fieldOverrides
        .filter((o) => o.ttl === true)
        .map((o) => `${o.collectionGroup}.${o.fieldPath}`);
      expect([...value.ttl].sort()).toEqual(ttl.sort());
      expect(value.indexes).toHaveLength(spec.indexes.length);
      expect(value.indexes).toEqual(expect.arrayContaining(spec.indexes));
    }),
  );

  it(
    "the functions' environment as the checks compute it (nulls left out, numbers as strings)",
    withTerraform(async (binary) => {
      const deployment = functionEnvironment(module, "process_job");
      // The one value that refers to a resource gets its sample; the rest is env.tf's own.
      const sampleDeployment = {
        ...(module.locals.deployment_env as Record<string, string>),
        TASKS_SERVICE_ACCOUNT_EMAIL: SAMPLE_INPUTS.known["google_service_account.tasks_invoker.email"],
      };
      const result = await terraformConsole(binary, module, {
        locals: ["process_job_name", "task_handler_url", "tuning_env", "deployment_env", "function_env"],
        overrides: { deployment_env: sampleDeployment },
        vars,
        expression: "local.function_env",
      });
      expect(result).toEqual({ ok: true, value: deployment.plain });
    }),
  );

  it(
    "the queues' preconditions: distinct queue names, processJob's capacity over all three queues",
    withTerraform(async (binary) => {
      const conditionOf = (body: unknown, index = 0) => {
        const lifecycle = (body as { lifecycle?: { precondition?: { condition: string }[] }[] }).lifecycle;
        const condition = lifecycle?.[0]?.precondition?.[index]?.condition ?? "";
        return /^\$\{([\s\S]*)\}$/.exec(condition)?.[1] ?? condition;
      };
      const webhooks = module.resources.google_cloud_tasks_queue?.webhooks;
      const processJob = module.resources.google_cloudfunctions2_function?.process_job;
      const expression = `[${[conditionOf(webhooks, 0), conditionOf(webhooks, 1), conditionOf(processJob)].join(", ")}]`;
      const evaluate = (extra: Record<string, string>) =>
        terraformConsole(binary, module, {
          locals: ["batch_concurrency"],
          vars: { ...vars, ...extra },
          expression,
        });
      expect(await evaluate({})).toEqual({ ok: true, value: [true, true, true] });
      expect(await evaluate({ webhook_queue: "generation" })).toEqual({
        ok: true,
        value: [false, true, true],
      });
      expect(await evaluate({ webhook_queue: "generation-batch" })).toEqual({
        ok: true,
        value: [true, false, true],
      });
      // 4 x 20 = 80 covers 10 + 5 + 65, not 10 + 5 + 66.
      expect(await evaluate({ webhook_max_concurrent: "65" })).toEqual({
        ok: true,
        value: [true, true, true],
      });
      expect(await evaluate({ webhook_max_concurrent: "66" })).toEqual({
        ok: true,
        value: [true, true, false],
      });
    }),
  );

  it(
    "every numeric validation: the bounds pass, one past each bound fails",
    withTerraform(async (binary) => {
      const bounded = Object.entries(module.variables).filter(([, v]) =>
        /&& var\.\w+ <= \d+/.test(String(JSON.stringify(v.validation))),
      );
      const bounds = bounded.map(([name, v]) => {
        const condition = String((v.validation as { condition: string }[])[0]?.condition);
        return {
          name,
          min: Number(/>= (-?\d+)/.exec(condition)?.[1]),
          max: Number(/<= (\d+)/.exec(condition)?.[1]),
        };
      });
      const run = (pick: (b: { min: number; max: number }) => number) =>
        terraformPlanVariables(binary, module, {
          ...vars,
          ...Object.fromEntries(bounds.map((b) => [b.name, String(pick(b))])),
        });
      expect(bounds.length).toBeGreaterThanOrEqual(19);
      expect(await run((b) => b.min)).toMatchObject({ ok: true });
      expect(await run((b) => b.max)).toMatchObject({ ok: true });
      for (const pick of [(b: { min: number }) => b.min - 1, (b: { max: number }) => b.max + 1]) {
        const result = await run(pick);
        expect(result.ok).toBe(false);
        const rejected = bounds
          .filter((b) => result.output.includes(`The ${b.name} must`))
          .map((b) => b.name);
        expect(rejected.sort()).toEqual(bounds.map((b) => b.name).sort());
      }
    }),
  );
});
