import { getFunction } from "@google-cloud/functions-framework/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { DISPATCH_DEADLINE_MAX_MS, HANDLER_MARGIN_MS } from "../../shared/deadlines.ts";
import { FUNCTION_MODULES } from "../tools/package/build-artifact.ts";
import {
  block,
  blocks,
  loadTerraform,
  type HclBody,
  type TerraformModule,
} from "../tools/package/terraform-config.ts";
import { FUNCTION_RESOURCES, functionResource } from "../tools/package/terraform-function-env.ts";

// Who may call what, what runs where, and how long it may take, as terraform/ declares it.

/** Cloud Functions gen2 HTTP functions may run at most 60 min. */
const GEN2_HTTP_MAX_TIMEOUT_S = 3_600;

let module: TerraformModule;
beforeAll(async () => {
  module = await loadTerraform();
});

/** Every IAM grant of the configuration: type, name, role, member and what it is on. */
function grants(): { resource: string; role: string; member: string; body: HclBody }[] {
  return Object.entries(module.resources)
    .filter(([type]) => /_iam_(member|binding|policy)$/.test(type))
    .flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, body]) => ({
        resource: `${type}.${name}`,
        role: String(body.role ?? body.policy_data),
        member: String(body.member ?? body.members),
        body,
      })),
    );
}

/** The grants of roles/run.invoker on one function's Cloud Run service. */
function invokersOf(resource: (typeof FUNCTION_RESOURCES)[number]): string[] {
  const service = `\${google_cloudfunctions2_function.${resource}.name}`;
  return grants()
    .filter((g) => g.role === "roles/run.invoker" && g.body.name === service)
    .map((g) => g.member);
}

describe("invokers", () => {
  it("only the tasks invoker account may invoke processJob, and it is the account the handler expects", () => {
    expect(invokersOf("process_job")).toEqual(["${google_service_account.tasks_invoker.member}"]);
    const deployment = module.locals.deployment_env as Record<string, string>;
    expect(deployment.TASKS_SERVICE_ACCOUNT_EMAIL).toBe("${google_service_account.tasks_invoker.email}");
  });

  it("only the scheduler account may invoke sweep, and the scheduler calls it with that account's token", () => {
    expect(invokersOf("sweep")).toEqual(["${google_service_account.scheduler.member}"]);
    const job = module.resources.google_cloud_scheduler_job?.sweep;
    const target = block(job, "http_target");
    expect(target?.uri).toBe("${google_cloudfunctions2_function.sweep.url}");
    expect(target?.http_method).toBe("POST");
    expect(block(target, "oidc_token")).toEqual({
      service_account_email: "${google_service_account.scheduler.email}",
      audience: "${google_cloudfunctions2_function.sweep.url}",
    });
  });

  it("the api is public (it verifies Firebase ID tokens itself), and says so", () => {
    expect(invokersOf("api")).toEqual(["allUsers"]);
    expect(module.sources["functions.tf"]).toMatch(
      /Public on purpose: the api authenticates every request itself/,
    );
  });

  it("no grant on the project or a function lets anyone else invoke", () => {
    const invokerRoles =
      /^roles\/(run\.(invoker|admin|developer)|cloudfunctions\.(invoker|admin|developer))$/;
    const elsewhere = grants().filter(
      (g) =>
        invokerRoles.test(g.role) &&
        !["api_public", "process_job_tasks", "sweep_scheduler"].includes(g.resource.split(".")[1] ?? ""),
    );
    expect(elsewhere).toEqual([]);
    // Authoritative bindings or policies would replace grants made outside this configuration.
    expect(grants().filter((g) => !g.resource.split(".")[0]?.endsWith("_iam_member"))).toEqual([]);
  });

  it("no basic role (owner, editor, viewer) anywhere", () => {
    const basic = Object.entries(module.sources).filter(([, text]) =>
      /roles\/(owner|editor|viewer)\b/.test(text),
    );
    expect(basic.map(([file]) => file)).toEqual([]);
  });
});

/** Who each grant reaches: the accounts of a for_each over them, or the one member named. */
function principals(body: HclBody): string[] {
  const member = String(body.member);
  if (member !== "${each.value.member}") {
    return [/google_service_account\.(\w+)\.member/.exec(member)?.[1] ?? member];
  }
  // A literal map (`{ api = google_service_account.api, … }`) arrives as an object.
  const forEach = typeof body.for_each === "object" ? JSON.stringify(body.for_each) : String(body.for_each);
  if (forEach.includes("local.function_accounts")) return ["api", "process_job", "sweep"];
  return [...forEach.matchAll(/google_service_account\.(\w+)/g)].map((m) => m[1] as string);
}

/** What a grant is on, in a word. */
function targetOf(type: string, body: HclBody): string {
  const ref = String(
    body.name ??
      body.topic ??
      body.secret_id ??
      body.service_account_id ??
      body.subscription ??
      body.bucket ??
      "",
  );
  const named = /^\$\{google_\w+\.(\w+)(?:\[0\])?\.\w+\}$/.exec(ref)?.[1];
  if (type === "google_project_iam_member") return "project";
  return `${type.replace(/^google_|_iam_member$/g, "")}:${named ?? ref}`;
}

describe("least privilege", () => {
  it("each service account holds exactly the grants its code paths need", () => {
    const held: Record<string, string[]> = {};
    for (const [type, byName] of Object.entries(module.resources)) {
      if (!type.endsWith("_iam_member")) continue;
      for (const body of Object.values(byName)) {
        for (const who of principals(body))
          (held[who] ??= []).push(`${body.role} on ${targetOf(type, body)}`);
      }
    }
    const everyFunction = [
      "roles/datastore.user on project",
      "roles/cloudtasks.enqueuer on cloud_tasks_queue:generation",
      "roles/cloudtasks.taskDeleter on cloud_tasks_queue:generation",
      "roles/cloudtasks.enqueuer on cloud_tasks_queue:batch",
      "roles/cloudtasks.taskDeleter on cloud_tasks_queue:batch",
      // Webhook deliveries: the api (a cancelled queued job), processJob (terminal states), the
      // sweeper (lease expiry, lost delivery tasks). No function deletes one.
      "roles/cloudtasks.enqueuer on cloud_tasks_queue:webhooks",
      "roles/pubsub.publisher on pubsub_topic:events",
      "roles/iam.serviceAccountUser on service_account:tasks_invoker",
      "roles/secretmanager.secretAccessor on secret_manager_secret:redis_url", // only with enable_redis
      "roles/secretmanager.secretAccessor on secret_manager_secret:metrics_token", // GET /metrics
      "roles/telemetry.tracesWriter on project", // OTLP spans
      "roles/monitoring.metricWriter on project", // OTLP counters and histograms
    ];
    const sorted = (grants: string[]) => [...grants].sort();
    expect(sorted(held.api ?? [])).toEqual(
      sorted([
        ...everyFunction,
        "roles/cloudtasks.viewer on cloud_tasks_queue:generation", // the health probe's GetQueue
        "roles/cloudtasks.viewer on cloud_tasks_queue:batch",
        "roles/cloudtasks.viewer on cloud_tasks_queue:webhooks",
        "roles/firebaseauth.viewer on project", // admin routes' revocation check
      ]),
    );
    expect(sorted(held.process_job ?? [])).toEqual(
      sorted([
        ...everyFunction,
        "roles/secretmanager.secretAccessor on secret_manager_secret:pixellab_api_key",
      ]),
    );
    expect(sorted(held.sweep ?? [])).toEqual(
      sorted([
        ...everyFunction,
        "roles/cloudtasks.viewer on cloud_tasks_queue:generation", // GetTask
        "roles/cloudtasks.viewer on cloud_tasks_queue:batch",
      ]),
    );
    expect(held.tasks_invoker).toEqual(["roles/run.invoker on cloud_run_v2_service:process_job"]);
    expect(held.scheduler).toEqual(["roles/run.invoker on cloud_run_v2_service:sweep"]);
    expect(held.builder).toEqual(["roles/cloudbuild.builds.builder on project"]);
    // Public: the api (it authenticates callers itself) and the web client's static files.
    expect(sorted(held.allUsers ?? [])).toEqual([
      "roles/run.invoker on cloud_run_v2_service:api",
      "roles/storage.objectViewer on storage_bucket:web",
    ]);
  });
});

describe("the PixelLab key", () => {
  it("is only in Secret Manager, readable by processJob's account alone", () => {
    const accessors = grants().filter((g) => g.role === "roles/secretmanager.secretAccessor");
    const onKey = accessors.filter(
      (g) => g.body.secret_id === "${google_secret_manager_secret.pixellab_api_key.id}",
    );
    expect(onKey.map((g) => g.member)).toEqual(["${google_service_account.process_job.member}"]);
    const secret = blocks(
      block(functionResource(module, "process_job"), "service_config"),
      "secret_environment_variables",
    );
    expect(secret.find((s) => s.key === "PIXELLAB_API_KEY")).toMatchObject({
      secret: "${google_secret_manager_secret.pixellab_api_key.secret_id}",
    });
  });

  it("never appears as a variable, a secret version Terraform writes, or an output", () => {
    const keyLike = /pixellab.*(key|secret)|api_key/i;
    expect(Object.keys(module.variables).filter((name) => keyLike.test(name))).toEqual([
      "pixellab_secret_id",
    ]);
    expect(module.variables.pixellab_secret_id?.default).toBe("pixellab-api-key"); // an id, not a value
    const versions = Object.values(module.resources.google_secret_manager_secret_version ?? {});
    expect(versions.filter((v) => String(v.secret).includes("pixellab"))).toEqual([]);
    const outputs = Object.values(module.outputs).map((o) => String(o.value));
    expect(outputs.filter((v) => v.includes("pixellab") && !v.endsWith(".secret_id}"))).toEqual([]);
  });
});

describe("METRICS_TOKEN", () => {
  it("is in Secret Manager, readable by the three functions' accounts (each serves /metrics)", () => {
    const onToken = grants().filter(
      (g) => g.body.secret_id === "${google_secret_manager_secret.metrics_token.id}",
    );
    expect(onToken.map((g) => [g.role, principals(g.body)])).toEqual([
      ["roles/secretmanager.secretAccessor", ["api", "process_job", "sweep"]],
    ]);
  });

  it("has no secret version Terraform writes and no output holding it (you add the value)", () => {
    const versions = Object.values(module.resources.google_secret_manager_secret_version ?? {});
    expect(versions.filter((v) => String(v.secret).includes("metrics_token"))).toEqual([]);
    const outputs = Object.values(module.outputs).map((o) => String(o.value));
    expect(outputs.filter((v) => v.includes("metrics_token") && !v.endsWith(".secret_id}"))).toEqual([]);
    expect(module.variables.metrics_token_secret_id?.default).toBe("metrics-token"); // an id, not a value
  });
});

describe("the functions", () => {
  it.each([
    { resource: "api", entryPoint: "api" },
    { resource: "process_job", entryPoint: "processJob" },
    { resource: "sweep", entryPoint: "sweep" },
  ] as const)(
    "$resource runs target $entryPoint on nodejs22, which the function modules register",
    async (c) => {
      const build = block(functionResource(module, c.resource), "build_config");
      expect(build?.runtime).toBe("nodejs22");
      expect(build?.entry_point).toBe(c.entryPoint);
      for (const file of FUNCTION_MODULES) await import(`../../${file}`);
      expect(typeof getFunction(c.entryPoint)).toBe("function");
    },
    // The first case imports the function modules (firebase-admin, the Google clients): ~1 s alone,
    // several seconds on a loaded 2-core machine.
    60_000,
  );

  it("all three deploy the one artifact, the object named by the zip's MD5", () => {
    const sources = FUNCTION_RESOURCES.map((r) =>
      block(block(block(functionResource(module, r), "build_config"), "source"), "storage_source"),
    );
    for (const source of sources) {
      expect(source).toEqual({
        bucket: "${google_storage_bucket.source.name}",
        object: "${google_storage_bucket_object.source.name}",
      });
    }
    expect(module.resources.google_storage_bucket_object?.source?.name).toBe(
      "function-source-${filemd5(local.source_zip)}.zip",
    );
  });

  it("processJob's timeout outlives the longest dispatch deadline plus the handler's margin", () => {
    const service = block(functionResource(module, "process_job"), "service_config");
    expect(service?.timeout_seconds).toBe("${var.process_job_timeout_seconds}");
    const variable = module.variables.process_job_timeout_seconds;
    const minimum = Number(
      />= (\d+)/.exec(String((variable?.validation as { condition: string }[])[0]?.condition))?.[1],
    );
    const floor = (DISPATCH_DEADLINE_MAX_MS + HANDLER_MARGIN_MS) / 1000;
    expect(minimum).toBeGreaterThanOrEqual(floor);
    expect(Number(variable?.default)).toBeGreaterThanOrEqual(floor);
    expect(Number(variable?.default)).toBeLessThanOrEqual(GEN2_HTTP_MAX_TIMEOUT_S);
  });

  it("processJob's capacity covers all three queues' concurrency, or the plan fails", () => {
    const lifecycle = block(functionResource(module, "process_job"), "lifecycle");
    const precondition = block(lifecycle, "precondition");
    expect(precondition?.condition).toBe(
      "${var.process_job_max_instances * var.process_job_concurrency >= var.tasks_max_concurrent + local.batch_concurrency + var.webhook_max_concurrent}",
    );
    expect(String(precondition?.error_message)).toContain("all three queues deliver to it");
    const d = (name: string) => Number(module.variables[name]?.default);
    const batch = Math.max(1, Math.floor(d("tasks_max_concurrent") / 2)); // local.batch_concurrency by default
    expect(d("process_job_max_instances") * d("process_job_concurrency")).toBeGreaterThanOrEqual(
      d("tasks_max_concurrent") + batch + d("webhook_max_concurrent"),
    );
  });

  it("processJob's timeout outlives a webhook delivery's longest wait for its receiver", () => {
    // Deliveries are processJob's /webhook-delivery (the generation tasks' OIDC token, audience and
    // invoker), so the function's timeout bounds them too; the 1830 s floor dwarfs 30 s.
    const floorOf = (name: string) =>
      Number(
        />= (\d+)/.exec(
          String((module.variables[name]?.validation as { condition: string }[])[0]?.condition),
        )?.[1],
      );
    const ceilingOf = (name: string) =>
      Number(
        /<= (\d+)/.exec(
          String((module.variables[name]?.validation as { condition: string }[])[0]?.condition),
        )?.[1],
      );
    expect(ceilingOf("webhook_timeout_ms")).toBe(30_000);
    expect(floorOf("process_job_timeout_seconds") * 1000).toBeGreaterThan(ceilingOf("webhook_timeout_ms"));
  });
});
