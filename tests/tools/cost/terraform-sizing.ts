/**
 * The deployment's sizes as terraform/ deploys them by default: each function's vCPUs, memory and
 * per-instance concurrency, instance caps, the queue's concurrency, the cache TTL and Redis. Read
 * from the Terraform files themselves, so the cost follows the configuration instead of a copy.
 */
import {
  block,
  evaluate,
  loadTerraform,
  TERRAFORM_DIR,
  type HclBody,
  type HclValue,
} from "../package/terraform-config.ts";
import type { FunctionSize } from "./cost-model.ts";

export interface TerraformSizing {
  api: FunctionSize;
  processJob: FunctionSize;
  apiMaxInstances: number;
  processJobMaxInstances: number;
  /** TASKS_MAX_CONCURRENT: deliveries (so PixelLab generations) running at once. */
  tasksMaxConcurrent: number;
  /** CACHE_TTL_DAYS: how long a cache entry is kept, days. */
  cacheTtlDays: number;
  /** EXPECTED_JOB_MS: typical time of one generation, ms. */
  expectedJobMs: number;
  enableRedis: boolean;
  /** Memorystore's size (GB) and the VPC connector's minimum e2-micro instances. */
  redis: { memoryGb: number; connectorInstances: number };
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };

/** A Cloud Run memory setting ("512Mi", "1Gi", "2G") in GiB. */
export function memoryGiB(setting: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)$/.exec(setting.trim());
  const unit = match?.[2] === undefined ? undefined : UNITS[match[2]];
  if (match?.[1] === undefined || unit === undefined) {
    throw new Error(`memory ${JSON.stringify(setting)}: expected a number with Mi, Gi, M or G`);
  }
  return (Number(match[1]) * unit) / 2 ** 30;
}

export async function readTerraformSizing(dir = TERRAFORM_DIR): Promise<TerraformSizing> {
  const module = await loadTerraform(dir);
  const variables = Object.fromEntries(
    Object.entries(module.variables).map(([name, body]) => [name, body.default ?? null]),
  );
  const scope = { variables, locals: module.locals };
  const value = (v: HclValue | undefined, what: string): HclValue => {
    if (v === undefined) throw new Error(`terraform: ${what} is not set`);
    return evaluate(v, scope);
  };
  const num = (v: HclValue | undefined, what: string) => {
    const n = Number(value(v, what));
    if (!Number.isFinite(n)) throw new Error(`terraform: ${what} is not a number`);
    return n;
  };
  const fn = (name: string): FunctionSize => {
    const config: HclBody | undefined = block(
      module.resources.google_cloudfunctions2_function?.[name],
      "service_config",
    );
    return {
      vcpu: num(config?.available_cpu, `${name} available_cpu`),
      memoryGiB: memoryGiB(String(value(config?.available_memory, `${name} available_memory`))),
      concurrency: num(config?.max_instance_request_concurrency, `${name} concurrency`),
    };
  };
  const connector = module.resources.google_vpc_access_connector?.redis;
  return {
    api: fn("api"),
    processJob: fn("process_job"),
    apiMaxInstances: num(variables.api_max_instances, "api_max_instances"),
    processJobMaxInstances: num(variables.process_job_max_instances, "process_job_max_instances"),
    tasksMaxConcurrent: num(variables.tasks_max_concurrent, "tasks_max_concurrent"),
    cacheTtlDays: num(variables.cache_ttl_days, "cache_ttl_days"),
    expectedJobMs: num(variables.expected_job_ms, "expected_job_ms"),
    enableRedis: value(variables.enable_redis, "enable_redis") === true,
    redis: {
      memoryGb: num(variables.redis_memory_size_gb, "redis_memory_size_gb"),
      connectorInstances: num(connector?.min_instances, "the VPC connector's min_instances"),
    },
  };
}
