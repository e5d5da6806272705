import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { Request, Response } from "@google-cloud/functions-framework";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProcessJobHandler } from "../../functions/process-job.ts";
import { createSweepHandler } from "../../functions/sweep.ts";
import { METRICS } from "../../shared/telemetry/metric-definitions.ts";
import { createSweepRuntime, type SweepRuntime } from "../../shared/wiring/sweep-runtime.ts";
import { emulatorTokenVerifier, signUpAdmin, signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { uniqueName } from "../harness/isolation.ts";
import { sampleValue } from "../harness/metrics-text.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";
import { waitFor } from "../harness/wait-for.ts";

const METRICS_TOKEN = randomBytes(24).toString("hex");
const PIXFLUX = "generate-image-pixflux";

/** `promtool check metrics` (Debian's `prometheus` package) on a scrape: its exit status and what it said. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    throw new Error(
      "promtool is not installed: run `apt-get install -y prometheus` (it brings /usr/bin/promtool)",
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Serves `handler` through the Functions Framework on a free loopback port. */
async function serve(handler: (req: Request, res: Response) => Promise<void>) {
  const name = uniqueName("metrics");
  functions.http(name, handler);
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("GET /metrics on the three functions", () => {
  let rig: QueueRig;
  let sweepRuntime: SweepRuntime;
  let processUrl: string;
  let sweepUrl: string;
  let admin: TestUser;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    rig = await startQueueRig({ env: { METRICS_TOKEN } });
    // The rig's handler verifies ID tokens for its own project; these copies verify the Auth
    // emulator's, as a deployment verifies its project's (the registry is the rig's handler's own).
    const processJob = await serve(
      createProcessJobHandler({ ...rig.processRuntime, auth: emulatorTokenVerifier() }),
    );
    sweepRuntime = createSweepRuntime(rig.config, {
      logger: pino({ level: "silent" }),
      auth: emulatorTokenVerifier(),
    });
    const sweep = await serve(createSweepHandler(sweepRuntime));
    processUrl = processJob.url;
    sweepUrl = sweep.url;
    closers.push(processJob.close, sweep.close, () => sweepRuntime.close());
    admin = await signUpAdmin();
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await rig.close();
  });

  /** Scrapes `url` with `token` (the metrics token unless told; null sends no Authorization). */
  const scrape = async (url: string, token: string | null = METRICS_TOKEN) => {
    const res = await call(url, "GET", "/metrics", token === null ? {} : { token });
    return { status: res.status, text: res.bytes.toString("utf8"), body: res.body, headers: res.headers };
  };

  it("refuses anonymous, invalid and non-admin scrapers, and serves the token and admins", async () => {
    const user = await signUpUser();
    const wrongToken = randomBytes(24).toString("hex");
    for (const url of [rig.url, processUrl, sweepUrl]) {
      const anonymous = await scrape(url, null);
      expect(anonymous.status, url).toBe(401);
      expect(anonymous.body).toMatchObject({ type: "/problems/unauthorized" });
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect((await scrape(url, wrongToken)).status, url).toBe(401);
      const notAdmin = await scrape(url, user.idToken);
      expect(notAdmin.status, url).toBe(403);
      expect(notAdmin.body).toMatchObject({ type: "/problems/forbidden" });
      expect((await scrape(url, admin.idToken)).status, url).toBe(200);
      const scraped = await scrape(url);
      expect(scraped.status, url).toBe(200);
      expect(scraped.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    }
    expect((await call(rig.url, "POST", "/metrics", { token: METRICS_TOKEN })).status).toBe(405);
  });

  it("passes promtool check metrics on every function, and api holds every defined metric", async () => {
    for (const url of [rig.url, processUrl, sweepUrl]) {
      const { text } = await scrape(url);
      expect(promtoolCheck(text), url).toEqual({ status: 0, output: "" });
    }
    const { text } = await scrape(rig.url);
    for (const definition of Object.values(METRICS)) {
      expect(text, definition.name).toContain(`# TYPE ${definition.name} ${definition.type}\n`);
    }
    expect(sampleValue(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    // The queue-wide gauges come from api alone: the other functions' registries do not hold them.
    expect((await scrape(processUrl)).text).not.toContain("# TYPE genqueue_jobs gauge");
    expect((await scrape(sweepUrl)).text).not.toContain("genqueue_dead_letters");
  });

  it("moves the queue gauges as jobs are submitted and finish, and counts submissions and endings", async () => {
    const gauges = async () => {
      const { text } = await scrape(rig.url);
      const value = (name: string, labels: Record<string, string> = {}) => sampleValue(text, name, labels);
      return {
        queued: value("genqueue_jobs", { status: "queued" }),
        processing: value("genqueue_jobs", { status: "processing" }),
        users: value("genqueue_active_users"),
        deadLetters: value("genqueue_dead_letters"),
        oldest: value("genqueue_oldest_queued_age_seconds"),
        text,
      };
    };
    const before = await gauges();
    expect(before).toMatchObject({ queued: 0, processing: 0, users: 0, deadLetters: 0, oldest: 0 });

    // Paused, the queue holds the jobs: the gauges show them waiting.
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    const [alice, bob] = [await signUpUser(), await signUpUser()];
    const submitted = await Promise.all([
      call(rig.url, "POST", "/v1/jobs", { token: alice.idToken, json: pixfluxBody("a metered knight") }),
      call(rig.url, "POST", "/v1/jobs", {
        token: bob.idToken,
        json: pixfluxBody("a metered [fake:validation_error]"),
      }),
    ]);
    expect(submitted.map((r) => r.status)).toEqual([202, 202]);
    const waiting = await gauges();
    expect(waiting).toMatchObject({ queued: 2, processing: 0, users: 2, deadLetters: 0 });
    expect(waiting.oldest).toBeGreaterThanOrEqual(0);
    expect(
      sampleValue(waiting.text, "genqueue_submissions_total", { outcome: "accepted", reason: "none" }),
    ).toBe(2);

    // Resumed, one completes and one fails into the dead-letter queue.
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    const [done, failed] = submitted.map((r) => (r.body as { jobId: string }).jobId) as [string, string];
    expect((await waitForJob(rig, alice.idToken, done)).status).toBe("completed");
    expect((await waitForJob(rig, bob.idToken, failed)).status).toBe("failed");
    const after = await waitFor(
      async () => {
        const seen = await gauges();
        return seen.deadLetters === 1 && seen;
      },
      { timeoutMs: 15_000, description: "the dead-letter gauge at 1" },
    );
    expect(after).toMatchObject({ queued: 0, processing: 0, users: 0, deadLetters: 1, oldest: 0 });

    const handler = (await scrape(processUrl)).text;
    const count = (name: string, labels: Record<string, string>) => sampleValue(handler, name, labels);
    expect(count("genqueue_jobs_finished_total", { operation: PIXFLUX, status: "completed" })).toBe(1);
    expect(count("genqueue_jobs_finished_total", { operation: PIXFLUX, status: "failed" })).toBe(1);
    expect(count("genqueue_attempts_total", { operation: PIXFLUX, outcome: "completed" })).toBe(1);
    expect(count("genqueue_pixellab_errors_total", { type: "validation" })).toBe(1);
    expect(count("genqueue_job_wait_seconds_count", { operation: PIXFLUX })).toBe(2);
    expect(count("genqueue_job_end_to_end_seconds_count", { operation: PIXFLUX, cached: "false" })).toBe(2);
    expect(count("genqueue_pixellab_usage_usd_total", { operation: PIXFLUX })).toBeGreaterThan(0);

    // The same request again, by someone else: answered from the cache, which the api counts.
    const carol = await signUpUser();
    const cached = await call(rig.url, "POST", "/v1/jobs", {
      token: carol.idToken,
      json: pixfluxBody("a metered knight"),
    });
    expect(cached.status).toBe(200);
    const api = (await scrape(rig.url)).text;
    expect(sampleValue(api, "genqueue_submissions_total", { outcome: "cached", reason: "none" })).toBe(1);
    expect(
      sampleValue(api, "genqueue_job_end_to_end_seconds_count", { operation: PIXFLUX, cached: "true" }),
    ).toBe(1);
    expect(sampleValue(api, "genqueue_cache_lookups_total", { layer: "firestore", result: "hit" })).toBe(1);
  });
});
