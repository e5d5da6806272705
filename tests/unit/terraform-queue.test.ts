import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import {
  FIXED_WEBHOOK_QUEUE_SETTINGS,
  queueSettings,
  terraformQueueSettingsJson,
  webhookQueueSettings,
} from "../../shared/queue-settings.ts";
import {
  block,
  blocks,
  evaluate,
  loadTerraform,
  TERRAFORM_DIR,
  type TerraformModule,
} from "../tools/package/terraform-config.ts";
import { sampleScope } from "../tools/package/terraform-function-env.ts";

// The deployed Cloud Tasks queues (both lanes' and the webhooks') must be the queues the code and
// the local emulator use: the same rate limits and retries from shared/queue-settings.ts, and the
// concurrency the code assumes.

let module: TerraformModule;
beforeAll(async () => {
  module = await loadTerraform();
});

describe("the Cloud Tasks queue", () => {
  it("terraform/queue-settings.json is what shared/queue-settings.ts generates (else: node tests/tools/package/queue-settings-json.ts)", () => {
    const file = readFileSync(path.join(TERRAFORM_DIR, "queue-settings.json"), "utf8");
    expect(file).toBe(terraformQueueSettingsJson());
  });

  it("Terraform reads that file", () => {
    expect(module.locals.queue_settings).toBe('${jsondecode(file("${path.module}/queue-settings.json"))}');
  });

  /** A queue resource's rate and retry settings as deployed, in the shape of `QueueSettings`. */
  function deployed(resource: "generation" | "batch" | "webhooks") {
    const json = JSON.parse(readFileSync(path.join(TERRAFORM_DIR, "queue-settings.json"), "utf8")) as object;
    // The one expression evaluate() cannot follow is the file read itself: give it the file.
    const scope = { ...sampleScope(module), locals: { ...module.locals, queue_settings: json as never } };
    const queue = module.resources.google_cloud_tasks_queue?.[resource];
    const rate = block(queue, "rate_limits");
    const retry = block(queue, "retry_config");
    const seconds = (value: unknown) =>
      Number(String(evaluate((value ?? null) as never, scope)).replace(/s$/, ""));
    return {
      name: evaluate(queue?.name ?? null, scope),
      maxDispatchesPerSecond: evaluate(rate?.max_dispatches_per_second ?? null, scope),
      maxConcurrentDispatches: rate?.max_concurrent_dispatches,
      retry: {
        maxAttempts: evaluate(retry?.max_attempts ?? null, scope),
        minBackoffSeconds: seconds(retry?.min_backoff),
        maxBackoffSeconds: seconds(retry?.max_backoff),
        maxDoublings: evaluate(retry?.max_doublings ?? null, scope),
      },
    };
  }

  it("is configured as the code configures the emulator, under the default settings", () => {
    const config = loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-deploy-check" });
    const { maxConcurrentDispatches: _, ...expected } = queueSettings(config);
    const { maxConcurrentDispatches: concurrency, ...queue } = deployed("generation");
    expect(queue).toEqual({ name: config.queueId, ...expected });
    expect(concurrency).toBe("${var.tasks_max_concurrent}");
  });

  it("has a batch lane's queue configured as the code configures the emulator's, from the shared settings", () => {
    const config = loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-deploy-check" });
    const { maxConcurrentDispatches: _, ...expected } = queueSettings(config, "batch");
    const { maxConcurrentDispatches: concurrency, ...queue } = deployed("batch");
    expect(queue).toEqual({ name: config.batchQueueId, ...expected });
    expect(queue.retry.maxAttempts).toBe(-1); // a yielded delivery never uses a task up
    // Its concurrency is the variable, else the code's own default for TASKS_BATCH_MAX_CONCURRENT.
    expect(concurrency).toBe("${local.batch_concurrency}");
    expect(String(module.locals.batch_concurrency)).toBe(
      "${coalesce(var.tasks_batch_max_concurrent, max(1, floor(var.tasks_max_concurrent / 2)))}",
    );
    expect(config.batchConcurrency).toBe(Math.max(1, Math.floor(config.queueConcurrency / 2)));
  });

  it("has a webhook queue configured as the code configures the emulator's, from the shared settings", () => {
    const config = loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-deploy-check" });
    const { maxConcurrentDispatches: _, ...expected } = webhookQueueSettings(config);
    const { maxConcurrentDispatches: concurrency, ...queue } = deployed("webhooks");
    expect(queue).toEqual({ name: config.webhooks.queueId, ...expected });
    expect(queue).toEqual({ name: "webhooks", ...FIXED_WEBHOOK_QUEUE_SETTINGS });
    // Cloud Tasks' retries are the webhooks' only ones: a bounded number, backing off for hours.
    expect(queue.retry.maxAttempts).toBeGreaterThan(1);
    expect(queue.retry.maxBackoffSeconds).toBeGreaterThanOrEqual(3_600);
    // Its concurrency is the variable that also sets WEBHOOK_MAX_CONCURRENT, with the code's default.
    expect(concurrency).toBe("${var.webhook_max_concurrent}");
    expect((module.locals.tuning_env as Record<string, string>).WEBHOOK_MAX_CONCURRENT).toBe(
      "${var.webhook_max_concurrent}",
    );
    expect(module.variables.webhook_max_concurrent?.default).toBe(config.webhooks.concurrency);
  });

  it("refuses a webhook queue named like either generation queue, as loadConfig does", () => {
    const lifecycle = block(module.resources.google_cloud_tasks_queue?.webhooks, "lifecycle");
    expect(blocks(lifecycle, "precondition").map((p) => p.condition)).toEqual([
      "${var.webhook_queue != var.tasks_queue}",
      "${var.webhook_queue != var.tasks_batch_queue}",
    ]);
    const base = { GOOGLE_CLOUD_PROJECT: "demo-deploy-check" };
    for (const clash of ["TASKS_QUEUE", "TASKS_BATCH_QUEUE"]) {
      expect(() => loadConfig({ ...base, [clash]: "same", WEBHOOK_QUEUE: "same" }), clash).toThrow(
        /WEBHOOK_QUEUE/,
      );
    }
  });

  it("takes its concurrency from the variable that also sets TASKS_MAX_CONCURRENT", () => {
    const rate = block(module.resources.google_cloud_tasks_queue?.generation, "rate_limits");
    expect(rate?.max_concurrent_dispatches).toBe("${var.tasks_max_concurrent}");
    expect((module.locals.tuning_env as Record<string, string>).TASKS_MAX_CONCURRENT).toBe(
      "${var.tasks_max_concurrent}",
    );
  });

  it.each(["generation", "batch", "webhooks"])("%s logs its operations to Cloud Logging", (name) => {
    const logging = block(module.resources.google_cloud_tasks_queue?.[name], "stackdriver_logging_config");
    expect(logging?.sampling_ratio).toBe("${var.tasks_log_sampling_ratio}");
    expect(module.variables.tasks_log_sampling_ratio?.default).toBe(1);
  });

  it("is one of exactly three (the two lanes' and the webhooks'), each with its output", () => {
    expect(Object.keys(module.resources.google_cloud_tasks_queue ?? {}).sort()).toEqual([
      "batch",
      "generation",
      "webhooks",
    ]);
    expect(module.outputs.queue_name?.value).toBe("${google_cloud_tasks_queue.generation.id}");
    expect(module.outputs.batch_queue_name?.value).toBe("${google_cloud_tasks_queue.batch.id}");
    expect(module.outputs.webhook_queue_name?.value).toBe("${google_cloud_tasks_queue.webhooks.id}");
  });
});
