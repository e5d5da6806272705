import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { CloudTasksClient } from "@google-cloud/tasks";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { taskTokenAudience } from "../../shared/ports/task-token-verifier.ts";
import { queueResource, queueSettings, webhookQueueSettings } from "../../shared/queue-settings.ts";
import { freePort } from "../harness/free-port.ts";
import { HARNESS_ENV_KEY } from "../harness/harness-env.ts";
import { isolatedProjectId, uniqueName } from "../harness/isolation.ts";
import type { ServiceProcess } from "../harness/service-process.ts";
import { waitFor } from "../harness/wait-for.ts";
import type { AttemptLogLine } from "../tools/cloud-tasks-emulator/dispatch-loop.ts";
import { startCloudTasksEmulator, type CloudTasksEmulator } from "../tools/cloud-tasks-emulator/emulator.ts";
import { buildArtifact, type Artifact } from "../tools/package/build-artifact.ts";
import { importedPackages } from "../tools/package/production-dependencies.ts";
import { startArtifactTarget } from "../tools/package/serve-artifact.ts";
import { startOtlpSink, type OtlpSink } from "../tools/telemetry/otlp-sink.ts";
import { block, loadTerraform } from "../tools/package/terraform-config.ts";
import {
  FUNCTION_RESOURCES,
  functionEnvironment,
  functionResource,
} from "../tools/package/terraform-function-env.ts";
import { readZip } from "../tools/package/zip-reader.ts";
import { writeZip } from "../tools/package/zip-writer.ts";

// The artifact Terraform deploys, built, unpacked and installed as Cloud Build would, then each of
// its three targets started with the Functions Framework's own CLI from the unpacked copy, with the
// environment Terraform gives it (emulators instead of Google's services), answering as deployed.

const ACCOUNT = "genq-tasks-invoker@demo-artifact.iam.gserviceaccount.com";
const work = mkdtempSync(path.join(tmpdir(), "artifact-"));
const unpacked = path.join(work, "unpacked");
const rootManifest = JSON.parse(readFileSync("package.json", "utf8")) as {
  dependencies: Record<string, string>;
};

let artifact: Artifact;
let emulator: CloudTasksEmulator;
let tasks: CloudTasksClient;
const attempts: AttemptLogLine[] = [];
const services: ServiceProcess[] = [];
const urls: Record<string, string> = {};
const timings: string[] = [];
let queueName = "";
/** Where the three targets' telemetry preload sends their spans. */
let otlp: OtlpSink;

async function timed<T>(label: string, step: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const result = await step();
  timings.push(`${label} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

beforeAll(async () => {
  artifact = await timed("build", () =>
    buildArtifact({ root: process.cwd(), outDir: path.join(work, "out") }),
  );
  await timed("unpack", () => {
    for (const entry of readZip(readFileSync(artifact.zipPath))) {
      mkdirSync(path.dirname(path.join(unpacked, entry.name)), { recursive: true });
      writeFileSync(path.join(unpacked, entry.name), entry.data);
    }
  });
  // What Cloud Build does with a lockfile present; --prefer-offline reuses npm's cache.
  const install = await timed("npm ci", () =>
    spawnSync("npm", ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: unpacked,
      encoding: "utf8",
      timeout: 240_000,
    }),
  );
  if (install.status !== 0) throw new Error(`npm ci failed:\n${install.stdout}${install.stderr}`);

  const module = await loadTerraform();
  const region = "europe-west1";
  const projectId = isolatedProjectId("artifact");
  queueName = `projects/${projectId}/locations/${region}/queues/generation`;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") attempts.push(JSON.parse(line) as AttemptLogLine);
      }
      done();
    },
  });
  emulator = await startCloudTasksEmulator({ logger: pino(sink) });
  tasks = new CloudTasksClient(emulator.clientOptions(projectId));
  // The production queue, but one delivery per task: a refused one is not retried here.
  const config = loadConfig({ GOOGLE_CLOUD_PROJECT: projectId });
  const settings = queueSettings(config);
  await tasks.createQueue({
    parent: `projects/${projectId}/locations/${region}`,
    queue: queueResource(queueName, { ...settings, retry: { ...settings.retry, maxAttempts: 1 } }),
  });
  // The batch lane's queue too: the api's health probe reads both.
  await tasks.createQueue({
    parent: `projects/${projectId}/locations/${region}`,
    queue: queueResource(
      queueName.replace(/generation$/, "generation-batch"),
      queueSettings(config, "batch"),
    ),
  });

  // And the webhook queue.
  await tasks.createQueue({
    parent: `projects/${projectId}/locations/${region}`,
    queue: queueResource(queueName.replace(/generation$/, "webhooks"), webhookQueueSettings(config)),
  });

  const ports = { api: await freePort(), process_job: await freePort(), sweep: await freePort() };
  for (const name of FUNCTION_RESOURCES) urls[name] = `http://127.0.0.1:${ports[name]}`;
  const harness = inject(HARNESS_ENV_KEY);
  otlp = await startOtlpSink();
  // Cloud Functions runs the function with the source folder as its working directory, which
  // NODE_OPTIONS' `--import ./shared/telemetry/preload.js` is relative to. The three processes are
  // spawned synchronously inside this call, so the directory is changed for them alone.
  const cwd = process.cwd();
  process.chdir(unpacked);
  const starting = timed("start", () =>
    Promise.all(
      FUNCTION_RESOURCES.map(async (name) => {
        const deployed = functionEnvironment(module, name);
        const target = String(block(functionResource(module, name), "build_config")?.entry_point);
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: "production", // as Cloud Functions sets it
          ...deployed.plain,
          // Where this machine differs from the deployment: the emulators and their addresses.
          GOOGLE_CLOUD_PROJECT: projectId,
          GCP_LOCATION: region,
          TASK_HANDLER_URL: `${urls.process_job}/`,
          TASKS_SERVICE_ACCOUNT_EMAIL: ACCOUNT,
          TASKS_EMULATOR_HOST: `127.0.0.1:${emulator.grpcPort}`,
          TASKS_OIDC_ISSUER: emulator.issuer,
          TASKS_OIDC_JWKS_URL: `${emulator.httpBaseUrl}/jwks`,
          FIRESTORE_EMULATOR_HOST: harness.FIRESTORE_EMULATOR_HOST,
          PUBSUB_EMULATOR_HOST: harness.PUBSUB_EMULATOR_HOST,
          FIREBASE_AUTH_EMULATOR_HOST: harness.FIREBASE_AUTH_EMULATOR_HOST,
          METADATA_SERVER_DETECTION: "none",
          EVENTS_TOPIC: uniqueName("events"),
          LOG_LEVEL: "warn",
          ...("PIXELLAB_API_KEY" in deployed.secrets && { PIXELLAB_API_KEY: "fake-pixellab-key" }),
          // Telemetry to a local receiver instead of Google's endpoint; Cloud Functions sets the target.
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
          FUNCTION_TARGET: target,
        };
        services.push(await startArtifactTarget(unpacked, target, ports[name], env));
      }),
    ),
  );
  process.chdir(cwd);
  await starting;
  console.log(`[artifact] ${(artifact.sizeBytes / 1024).toFixed(0)} KiB, ${timings.join(", ")}`);
}, 360_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await tasks?.close();
  await emulator?.stop();
  await otlp?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the artifact's contents", () => {
  it("is the compiled functions, their manifest and lockfile, and nothing else", () => {
    expect(artifact.files).toEqual(expect.arrayContaining(["index.js", "package.json", "package-lock.json"]));
    expect(artifact.files).toEqual(
      expect.arrayContaining(["functions/api.js", "functions/process-job.js", "functions/sweep.js"]),
    );
    const stray = artifact.files.filter(
      (f) =>
        !/^(functions|shared)\/.+\.js$/.test(f) &&
        !["index.js", "package.json", "package-lock.json"].includes(f),
    );
    expect(stray).toEqual([]);
    const devOnly = artifact.files.filter((f) => /^(tests|shared\/(web|cli|client))\//.test(f));
    expect(devOnly).toEqual([]);
  });

  it("has a manifest Cloud Functions runs: ESM main on Node 22, exact production dependencies only", () => {
    const manifest = JSON.parse(readFileSync(path.join(unpacked, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ type: "module", main: "index.js", engines: { node: "22.x" } });
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    const dependencies = manifest.dependencies as Record<string, string>;
    for (const [name, version] of Object.entries(dependencies))
      expect(version).toBe(rootManifest.dependencies[name]);
    // Exactly what the compiled code imports: nothing missing, nothing unused.
    const sources = artifact.files
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(path.join(unpacked, f), "utf8"));
    expect(Object.keys(dependencies).sort()).toEqual([...importedPackages(sources)].sort());
    expect(readFileSync(path.join(unpacked, "index.js"), "utf8")).toMatch(
      /import "\.\/functions\/api\.js";\nimport "\.\/functions\/process-job\.js";\nimport "\.\/functions\/sweep\.js";/,
    );
  });

  it("builds reproducibly (same tree, same bytes, same MD5 object name), and unzip agrees where present", () => {
    const zip = readFileSync(artifact.zipPath);
    expect(writeZip(readZip(zip).reverse()).equals(zip)).toBe(true);
    // A second build of the same tree: same MD5, so Terraform sees the same object and redeploys nothing.
    expect(buildArtifact({ root: process.cwd(), outDir: path.join(work, "again") }).md5).toBe(artifact.md5);
    const unzip = spawnSync("unzip", ["-tq", artifact.zipPath], { encoding: "utf8" });
    if (unzip.error !== undefined) {
      console.log("unzip -t not run: no unzip binary on the PATH (our reader checked every CRC)");
      expect(unzip.error).toBeInstanceOf(Error);
      return;
    }
    expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
  });
});

describe("the artifact, started with the Functions Framework", () => {
  it("api answers /healthz 200, and /health 200 with Firestore and the Cloud Tasks queue up", async () => {
    const live = await fetch(`${urls.api}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    // Each probe has 2 s; a cold instance's first Firestore and gRPC connections on a loaded
    // machine can take longer, so wait for the instance to report healthy rather than ask once.
    let last = "";
    const report = await waitFor(
      async () => {
        const health = await fetch(`${urls.api}/health`);
        last = `${health.status} ${await health.text()}`;
        return health.status === 200 ? (JSON.parse(last.slice(4)) as unknown) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: "api /health to answer 200" },
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}; last answer: ${last}`)));
    expect(report).toMatchObject({
      healthy: true,
      dependencies: { firestore: { status: "up" }, cloudTasks: { status: "up" } },
    });
  });

  it("processJob refuses a delivery without a token (401)", async () => {
    const response = await fetch(`${urls.process_job}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobId: "j1", attempt: 1, run: 0 }),
    });
    expect(response.status).toBe(401);
  });

  it("processJob takes the queue's signed deliveries and refuses another account's (403)", async () => {
    const audience = () =>
      taskTokenAudience(
        loadConfig({ GOOGLE_CLOUD_PROJECT: "demo-artifact", TASK_HANDLER_URL: `${urls.process_job}/` }),
      );
    const deliver = async (id: string, serviceAccountEmail: string) => {
      const body = Buffer.from(JSON.stringify({ jobId: `missing-${id}`, attempt: 1, run: 0 }));
      await tasks.createTask({
        parent: queueName,
        task: {
          name: `${queueName}/tasks/${id}`,
          httpRequest: {
            httpMethod: "POST",
            url: `${urls.process_job}/`,
            headers: { "Content-Type": "application/json" },
            body,
            // The audience the code mints tasks for (loadConfig drops the URL's trailing slash).
            oidcToken: { serviceAccountEmail, audience: audience() },
          },
        },
      });
    };
    const queue = uniqueName("t");
    await deliver(`${queue}-queue`, ACCOUNT);
    await deliver(`${queue}-other`, "intruder@demo-artifact.iam.gserviceaccount.com");
    const statusOf = (id: string) =>
      waitFor(() => attempts.find((a) => a.task.endsWith(`/${id}`))?.status, {
        timeoutMs: 20_000,
        description: `the delivery of task ${id}`,
      });
    // The queue's own account: verified, then handled (no such job: skipped, 200).
    expect(await statusOf(`${queue}-queue`)).toBe(200);
    expect(await statusOf(`${queue}-other`)).toBe(403);
  });

  it("sweep answers a POST with the sweeper's report", async () => {
    const response = await fetch(`${urls.sweep}/`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      expiredLeases: 0,
      requeued: 0,
      failed: 0,
      cancelled: 0,
      reenqueued: 0,
      slotsRepaired: 0,
      webhooksRescued: 0,
      errors: 0,
      failedPasses: [],
    });
  });

  it("each target loads the telemetry preload that NODE_OPTIONS names, and exports its spans", async () => {
    expect(artifact.files).toContain("shared/telemetry/preload.js");
    const jobs = await fetch(`${urls.api}/v1/jobs`); // no token: 401, in a span of its own
    expect(jobs.status).toBe(401);
    await fetch(`${urls.sweep}/`, { method: "POST" });
    // processJob's spans come from the signed delivery above (an attempt on a job that is missing).
    const services = await waitFor(
      () => {
        const seen = new Set(otlp.spans.map((span) => `${span.service}: ${span.name}`));
        return ["api: GET /v1/jobs", "processJob: processJob attempt", "sweep: POST sweep"].every((s) =>
          seen.has(s),
        )
          ? [...seen]
          : undefined;
      },
      { timeoutMs: 20_000, description: "a span from each of the three targets" },
    );
    expect(services).toEqual(
      expect.arrayContaining(["api: GET /v1/jobs", "processJob: processJob attempt", "sweep: POST sweep"]),
    );
  });
});
