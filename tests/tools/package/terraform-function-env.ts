import { PRELOAD_MODULE } from "./build-artifact.ts";
import {
  block,
  blocks,
  evaluate,
  variableDefaults,
  type HclBody,
  type HclValue,
  type TerraformModule,
} from "./terraform-config.ts";

/**
 * Values for what only a real apply knows (a service account's email) and for the two required
 * variables. The region is not the code's default location on purpose, so a check sees it arrive.
 */
export const SAMPLE_INPUTS = {
  variables: { project_id: "demo-deploy-check", region: "europe-west1" },
  known: {
    "google_service_account.tasks_invoker.email":
      "genq-tasks-invoker@demo-deploy-check.iam.gserviceaccount.com",
  },
  /** What the secret variables hold once deployed (Redis only with enable_redis). */
  secrets: {
    PIXELLAB_API_KEY: "pl-secret-key-0123456789",
    METRICS_TOKEN: "mt-0123456789abcdef0123456789abcdef0123",
    REDIS_URL: "redis://:auth-string@10.0.0.3:6379",
  },
};

/**
 * What every function's NODE_OPTIONS must be: Node imports the telemetry preload (the artifact's
 * compiled `PRELOAD_MODULE`, from the source root, the function's working directory) before the
 * function code.
 */
export const PRELOAD_NODE_OPTIONS = `--import ./${PRELOAD_MODULE.replace(/\.ts$/, ".js")}`;

/** The environment as deployed: the plain variables plus each secret's sample value. */
export function deployedEnv(env: FunctionEnvironment): Record<string, string> {
  const secrets = Object.keys(env.secrets).map((key) => {
    const value = (SAMPLE_INPUTS.secrets as Record<string, string>)[key];
    if (value === undefined) throw new Error(`no sample value for secret ${key}`);
    return [key, value] as const;
  });
  return { ...env.plain, ...Object.fromEntries(secrets) };
}

/** The expression env.tf builds the functions' environment with (whitespace aside). */
export const FUNCTION_ENV_EXPRESSION =
  "${{ for name, value in merge(local.tuning_env, local.deployment_env) : name => tostring(value) if value != null }}";

export interface FunctionEnvironment {
  /** Every name `environment_variables` may set (a null variable leaves its name unset). */
  names: string[];
  /** `environment_variables`, evaluated with the variables' defaults and {@link SAMPLE_INPUTS}. */
  plain: Record<string, string>;
  /** `secret_environment_variables` (static and dynamic), by key. */
  secrets: Record<string, HclBody>;
}

export const FUNCTION_RESOURCES = ["api", "process_job", "sweep"] as const;
export type FunctionResource = (typeof FUNCTION_RESOURCES)[number];

/** One `google_cloudfunctions2_function`, failing clearly when it is missing. */
export function functionResource(module: TerraformModule, name: FunctionResource): HclBody {
  const body = module.resources.google_cloudfunctions2_function?.[name];
  if (body === undefined) throw new Error(`google_cloudfunctions2_function.${name} is not defined`);
  return body;
}

/** The scope the checks evaluate expressions in: defaults, the sample inputs, the locals. */
export function sampleScope(module: TerraformModule) {
  return {
    variables: { ...variableDefaults(module), ...SAMPLE_INPUTS.variables } as Record<string, HclValue>,
    locals: module.locals,
    known: SAMPLE_INPUTS.known as Record<string, HclValue>,
  };
}

/**
 * The environment a function would start with under the variables' defaults: what env.tf's
 * `function_env` computes (tuning and deployment values merged, nulls left out, all strings),
 * plus its secret variables. Throws if the function takes its environment from anywhere else.
 */
export function functionEnvironment(module: TerraformModule, name: FunctionResource): FunctionEnvironment {
  const service = block(functionResource(module, name), "service_config");
  if (service?.environment_variables !== "${local.function_env}") {
    throw new Error(`${name}: environment_variables is not local.function_env`);
  }
  const normalized = String(module.locals.function_env).replace(/\s+/g, " ");
  if (normalized !== FUNCTION_ENV_EXPRESSION) throw new Error(`local.function_env changed: ${normalized}`);
  const scope = sampleScope(module);
  const merged = {
    ...(module.locals.tuning_env as Record<string, HclValue>),
    ...(module.locals.deployment_env as Record<string, HclValue>),
  };
  const plain: Record<string, string> = {};
  for (const [key, expression] of Object.entries(merged)) {
    const value = evaluate(expression, scope);
    if (value !== null) plain[key] = String(value);
  }
  const secrets = Object.fromEntries(
    blocks(service, "secret_environment_variables").map((s) => [String(s.key), s] as const),
  );
  return { names: Object.keys(merged), plain, secrets };
}
