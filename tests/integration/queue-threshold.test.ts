import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHandler } from "../../functions/api.ts";
import { THRESHOLDS_COLLECTION } from "../../shared/store/firestore-queue-figures.ts";
import { sweep } from "../../shared/sweeper/sweep.ts";
import { createApiRuntime, type ApiRuntime } from "../../shared/wiring/api-deps.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { emulatorTokenVerifier, signUpUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { uniqueName } from "../harness/isolation.ts";
import { sampleValue } from "../harness/metrics-text.ts";
import { waitFor } from "../harness/wait-for.ts";

const METRICS_TOKEN = randomBytes(24).toString("hex");

/**
 * Two `api` instances on one project (one database, one events topic), as Cloud Run scales them:
 * each threshold crossing is published and counted once in all, however many admissions and
 * instances see the queue past it.
 */
describe("queue threshold crossings across instances", () => {
  let rig: ApiRig;
  let second: { url: string; runtime: ApiRuntime; server: Server };
  beforeAll(async () => {
    rig = await startApiRig({ env: { QUEUE_CAPACITY: "3", QUEUE_WARNING_THRESHOLD: "2", METRICS_TOKEN } });
    const runtime = createApiRuntime(rig.config, {
      logger: pino({ level: "silent" }),
      auth: emulatorTokenVerifier(),
    });
    const name = uniqueName("api-second");
    functions.http(name, createApiHandler(runtime));
    const server: Server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    second = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, runtime, server };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => second.server.close(() => resolve()));
    await second.runtime.close();
    await rig.close();
  });

  const levels = () =>
    rig.events
      .filter((m) => m.attributes.type === "queue.threshold")
      .map((m) => (JSON.parse(m.data.toString()) as { data: { level: string } }).data.level);
  /** A crossing counter summed over both instances' `/metrics`. */
  const crossings = async (level: string) => {
    let sum = 0;
    for (const url of [rig.url, second.url]) {
      const res = await call(url, "GET", "/metrics", { token: METRICS_TOKEN });
      sum +=
        sampleValue(res.bytes.toString("utf8"), "genqueue_queue_threshold_crossings_total", { level }) ?? 0;
    }
    return sum;
  };
  const submit = async (url: string, description: string) => {
    const user = await signUpUser();
    const res = await call(url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(description) });
    return { user, res };
  };
  const queuedEvents = () => rig.events.filter((m) => m.attributes.type === "job.queued").length;

  it("publishes and counts each level once, then again only after the queue drained", async () => {
    // Alternating instances: depth 1, 2 (warning, on the second), 3 (critical, on the first).
    const first = [
      await submit(rig.url, "threshold 1"),
      await submit(second.url, "threshold 2"),
      await submit(rig.url, "threshold 3"),
    ];
    expect(first.map((s) => s.res.status)).toEqual([202, 202, 202]);
    // Three more at once on both instances: the queue is full, critical is already crossed.
    const refused = await Promise.all([
      submit(rig.url, "threshold 4"),
      submit(second.url, "threshold 5"),
      submit(second.url, "threshold 6"),
    ]);
    expect(refused.map((s) => s.res.status)).toEqual([503, 503, 503]);
    await waitFor(() => queuedEvents() === 3 && levels().length >= 2, {
      timeoutMs: 15_000,
      description: "three job.queued and the threshold events",
    });
    expect(levels().sort()).toEqual(["critical", "warning"]);
    expect(await crossings("warning")).toBe(1);
    expect(await crossings("critical")).toBe(1);
    const marks = await rig.runtime.firestore.collection(THRESHOLDS_COLLECTION).get();
    expect(marks.docs.map((d) => d.id).sort()).toEqual(["critical", "warning"]);

    // Drained, and a sweep saw it: the crossings are forgotten, and the next rise counts again.
    for (const { user, res } of first) {
      const jobId = (res.body as { jobId: string }).jobId;
      expect((await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken })).status).toBe(200);
    }
    await sweep(rig.runtime.deps, Date.now());
    expect((await rig.runtime.firestore.collection(THRESHOLDS_COLLECTION).get()).size).toBe(0);
    await submit(second.url, "threshold 7");
    await submit(rig.url, "threshold 8");
    await waitFor(() => queuedEvents() === 5 && levels().length >= 3, {
      timeoutMs: 15_000,
      description: "two more job.queued and a second warning",
    });
    expect(levels().sort()).toEqual(["critical", "warning", "warning"]);
    expect(await crossings("warning")).toBe(2);
    expect(await crossings("critical")).toBe(1);
  });
});
