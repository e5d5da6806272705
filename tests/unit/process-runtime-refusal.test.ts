import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shared/config.ts";
import { taskTokenAudience } from "../../shared/ports/task-token-verifier.ts";
import { createProcessRuntime, taskTokenPolicy } from "../../shared/wiring/process-runtime.ts";

// processJob must never serve a delivery it cannot authenticate: these cases pin when it refuses to
// start, what the message names, and that the local-only switch cannot reach a deployment.
const BASE = { GOOGLE_CLOUD_PROJECT: "demo-generation-queue", PIXELLAB_API_KEY: "pl-secret-key-0123456789" };
const HANDLER = "https://us-central1-demo-generation-queue.cloudfunctions.net/genq-process-job";
const ACCOUNT = "genq-tasks-invoker@demo-generation-queue.iam.gserviceaccount.com";

function refusal(env: Record<string, string>): readonly string[] {
  try {
    createProcessRuntime(loadConfig({ ...BASE, ...env }));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("createProcessRuntime started without refusing");
}

function configProblems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("processJob refuses to start open", () => {
  it.each<{ name: string; env: Record<string, string>; named: string[] }>([
    { name: "neither setting", env: {}, named: ["TASKS_SERVICE_ACCOUNT_EMAIL", "TASK_HANDLER_URL"] },
    {
      name: "no service account",
      env: { TASK_HANDLER_URL: HANDLER },
      named: ["TASKS_SERVICE_ACCOUNT_EMAIL"],
    },
    { name: "no audience", env: { TASKS_SERVICE_ACCOUNT_EMAIL: ACCOUNT }, named: ["TASK_HANDLER_URL"] },
  ])("$name: the message names $named", ({ env, named }) => {
    const problems = refusal(env);
    expect(problems.map((p) => p.split(" ")[0]).filter((p) => p !== "processJob")).toEqual(named);
    expect(problems.at(-1)).toMatch(/UNVERIFIED_TASKS_LOCAL_ONLY=true .* local Cloud Tasks emulator only/);
  });

  it("with both settings the policy verifies that account for the handler's URL, Google's issuer", () => {
    const config = loadConfig({ ...BASE, TASK_HANDLER_URL: HANDLER, TASKS_SERVICE_ACCOUNT_EMAIL: ACCOUNT });
    expect(taskTokenPolicy(config)).toEqual({
      audience: HANDLER,
      serviceAccountEmail: ACCOUNT,
      issuer: "https://accounts.google.com",
      jwksUrl: "https://www.googleapis.com/oauth2/v3/certs",
    });
  });
});

describe("the local-only switch", () => {
  it("is refused without the Cloud Tasks emulator, naming why", () => {
    expect(configProblems({ UNVERIFIED_TASKS_LOCAL_ONLY: "true" })).toEqual([
      'UNVERIFIED_TASKS_LOCAL_ONLY="true": only with TASKS_EMULATOR_HOST: a deployment must verify Cloud Tasks\' OIDC tokens',
    ]);
  });

  it("against the emulator, lets processJob run without verification", () => {
    const config = loadConfig({
      ...BASE,
      UNVERIFIED_TASKS_LOCAL_ONLY: "true",
      TASKS_EMULATOR_HOST: "127.0.0.1:8123",
    });
    expect(config.allowUnverifiedTasks).toBe(true);
    expect(taskTokenPolicy(config)).toBeUndefined();
  });

  it("is off by default and takes only true or false", () => {
    expect(loadConfig(BASE).allowUnverifiedTasks).toBe(false);
    expect(configProblems({ UNVERIFIED_TASKS_LOCAL_ONLY: "yes" })).toEqual([
      'UNVERIFIED_TASKS_LOCAL_ONLY="yes": must be one of true, false',
    ]);
  });
});

describe("one audience for minting and verifying", () => {
  it("defaults to the handler's URL, which is what Cloud Tasks mints tokens for", () => {
    expect(taskTokenAudience(loadConfig({ ...BASE, TASK_HANDLER_URL: HANDLER }))).toBe(HANDLER);
  });

  it("refuses an audience other than the handler's URL, which would fail every delivery", () => {
    const other = "https://genq-process-job-abc123-uc.a.run.app";
    expect(configProblems({ TASK_HANDLER_URL: HANDLER, TASKS_OIDC_AUDIENCE: other })).toEqual([
      `TASKS_OIDC_AUDIENCE="${other}": must equal TASK_HANDLER_URL (${HANDLER}): Cloud Tasks mints tokens for that URL`,
    ]);
  });

  it("accepts the handler's URL spelled out", () => {
    const config = loadConfig({ ...BASE, TASK_HANDLER_URL: HANDLER, TASKS_OIDC_AUDIENCE: HANDLER });
    expect(taskTokenAudience(config)).toBe(HANDLER);
  });
});
