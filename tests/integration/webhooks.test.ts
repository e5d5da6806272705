import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook, WebhookVerificationError } from "../../shared/client/verify-webhook.ts";
import { webhookQueuePath } from "../../shared/config.ts";
import type { HostResolver } from "../../shared/ports/host-resolver.ts";
import { queueResource, webhookQueueSettings } from "../../shared/queue-settings.ts";
import type { WebhookView } from "../../shared/submission/job-view.ts";
import { deliverWebhook, WEBHOOK_USER_AGENT } from "../../shared/webhooks/deliver-webhook.ts";
import { newSigningSecret } from "../../shared/webhooks/webhook-signature.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";
import { startQueueRig, waitForJob, type QueueRig } from "../harness/queue-rig.ts";
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from "../harness/webhook-receiver.ts";
import { waitFor } from "../harness/wait-for.ts";
import { openApiChecker } from "../harness/openapi-check.ts";
import { decide } from "../../shared/lifecycle/decide.ts";
import { decideContext } from "../../shared/lifecycle/apply-change.ts";
import { webhookMessageId } from "../../shared/webhooks/job-webhook.ts";
import { testJob } from "../harness/seed-jobs.ts";
import { sampleValue } from "../harness/metrics-text.ts";

/**
 * DNS as the test sets it: each host name answers its list of answers in turn, the last one from
 * then on (so a name can resolve one way at submit and another at delivery). Names it does not
 * know fail, like NXDOMAIN. IP literals never reach it.
 */
function testResolver(): {
  resolve: HostResolver;
  set(host: string, ...answers: string[][]): void;
  asked: string[];
} {
  const answers = new Map<string, string[][]>();
  const asked: string[] = [];
  return {
    asked,
    set: (host, ...next) => void answers.set(host, next),
    async resolve(host) {
      asked.push(host);
      const list = answers.get(host);
      if (list === undefined)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return list.length > 1 ? (list.shift() as string[]) : (list[0] as string[]);
    },
  };
}

/** The served document's checker, built once (it compiles the whole document). */
const contract = openApiChecker();

const submitBody = (description: string, webhook: unknown) => pixfluxBody(description, {}, { webhook });

/**
 * Completion webhooks end to end: the api, the Cloud Tasks emulator (the jobs queue and the webhook
 * queue, with production's retry policy at 1/100 of its backoff), the real handler and its real
 * HTTP sender, and real receivers on loopback that verify what they get with the client library.
 */
describe("completion webhooks", () => {
  let rig: QueueRig;
  let receiver: WebhookReceiver;
  let elsewhere: WebhookReceiver;
  const dns = testResolver();

  beforeAll(async () => {
    rig = await startQueueRig({
      env: { WEBHOOK_LOOPBACK_LOCAL_ONLY: "true", WEBHOOK_TIMEOUT_MS: "1000", USER_SUBMIT_RATE_PER_MIN: "0" },
      tasksEmulator: { backoffScale: 0.01 },
      resolveHost: dns.resolve,
    });
    await rig.tasksClient.updateQueue({
      queue: queueResource(webhookQueuePath(rig.config), webhookQueueSettings(rig.config)),
    });
    receiver = await startWebhookReceiver();
    elsewhere = await startWebhookReceiver();
    dns.set("hooks.example.test", ["127.0.0.1"]);
  });
  afterAll(async () => {
    await rig?.close();
    await receiver?.close();
    await elsewhere?.close();
  });

  const hookUrl = (path: string) => `http://hooks.example.test:${receiver.port}${path}`;
  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  const waitForDeliveries = (path: string, count: number) =>
    waitFor(() => (at(path).length >= count ? at(path) : undefined), {
      timeoutMs: 20_000,
      description: `${count} webhook deliveries at ${path}`,
    });
  async function submit(user: TestUser, description: string, webhook: unknown) {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: submitBody(description, webhook),
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return (res.body as { jobId: string }).jobId;
  }
  async function webhookOf(user: TestUser, jobId: string): Promise<WebhookView> {
    const res = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: user.idToken });
    return (res.body as { webhook: WebhookView }).webhook;
  }
  /** The job's webhook once its first delivery is no longer pending. */
  const settledWebhook = (user: TestUser, jobId: string) =>
    waitFor(
      async () => {
        const webhook = await webhookOf(user, jobId);
        const state = webhook.deliveries[0]?.state;
        return state !== undefined && state !== "pending" ? webhook : undefined;
      },
      { timeoutMs: 20_000, description: `job ${jobId}'s webhook to settle` },
    );
  const secretOf = async (user: TestUser) =>
    ((await call(rig.url, "GET", "/v1/webhook-secret", { token: user.idToken })).body as { secret: string })
      .secret;

  it("POSTs a signed job.completed to the vetted address, and GET shows the delivery", async () => {
    const user = await signUpUser();
    const secret = await secretOf(user);
    const jobId = await submit(user, "webhook knight", { url: hookUrl("/done") });
    const job = await waitForJob(rig, user.idToken, jobId);
    expect(job.status).toBe("completed");
    const [delivery] = (await waitForDeliveries("/done", 1)) as [ReceivedWebhook];

    const payload = await verifyWebhook(secret, delivery.headers, delivery.body);
    expect(contract.checkWebhook("job.completed", payload)).toEqual([]);
    expect(payload.type).toBe("job.completed");
    expect(payload.timestamp).toBe(job.finishedAt);
    expect(payload.data).toMatchObject({ jobId, status: "completed", result: job.result });
    expect(payload.data).not.toHaveProperty("webhook");
    expect(delivery.headers).toMatchObject({
      "webhook-id": `msg_${jobId}_completed`,
      "user-agent": WEBHOOK_USER_AGENT,
      "content-type": "application/json",
      // Connected to the address vetted at delivery, with the URL's own host name.
      host: `hooks.example.test:${receiver.port}`,
    });
    await expect(verifyWebhook(newSigningSecret(), delivery.headers, delivery.body)).rejects.toBeInstanceOf(
      WebhookVerificationError,
    );

    const webhook = await settledWebhook(user, jobId);
    expect(webhook).toEqual({
      url: hookUrl("/done"),
      events: ["job.completed", "job.failed", "job.cancelled"],
      deliveries: [
        {
          webhookId: `msg_${jobId}_completed`,
          event: "job.completed",
          state: "delivered",
          createdAt: job.finishedAt,
          attempts: [
            { at: expect.any(String), statusCode: 200, error: null, durationMs: expect.any(Number) },
          ],
        },
      ],
    });
    // Exactly once: a settled message is not delivered again.
    expect(at("/done")).toHaveLength(1);
  });

  it("retries after the receiver's 500s under the same webhook-id, each attempt signed and recorded", async () => {
    const user = await signUpUser();
    const secret = await secretOf(user);
    receiver.answer({ status: 500 }, { status: 503 });
    const jobId = await submit(user, "webhook retries", { url: hookUrl("/flaky") });
    const deliveries = await waitForDeliveries("/flaky", 3);
    expect(new Set(deliveries.map((d) => d.headers["webhook-id"]))).toEqual(
      new Set([`msg_${jobId}_completed`]),
    );
    for (const delivery of deliveries) await verifyWebhook(secret, delivery.headers, delivery.body);
    // The payload is the same on every attempt: receivers may compare or dedup on it.
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    const webhook = await settledWebhook(user, jobId);
    expect(webhook.deliveries[0]?.state).toBe("delivered");
    expect(webhook.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    const samples = await rig.processRuntime.prometheus.registry.metrics();
    const count = (outcome: string) =>
      sampleValue(samples, "genqueue_webhook_deliveries_total", { event: "job.completed", outcome }) ?? 0;
    expect(count("retry")).toBeGreaterThanOrEqual(2);
    expect(count("delivered")).toBeGreaterThanOrEqual(2);
  });

  it("does not follow a redirect: the 3xx is a failed attempt and its target sees nothing", async () => {
    const user = await signUpUser();
    receiver.answer({ status: 302, location: elsewhere.url("/stolen") });
    const jobId = await submit(user, "webhook redirect", { url: hookUrl("/moved") });
    await waitForDeliveries("/moved", 2);
    const webhook = await settledWebhook(user, jobId);
    expect(webhook.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([302, 200]);
    expect(elsewhere.received).toEqual([]);
  });

  it("gives up on a slow receiver after WEBHOOK_TIMEOUT_MS, while other jobs go on completing", async () => {
    const user = await signUpUser();
    receiver.answer({ status: 200, delayMs: 5_000 });
    const slow = await submit(user, "webhook slow receiver", { url: hookUrl("/slow") });
    await waitForDeliveries("/slow", 1);
    // The first delivery hangs at the receiver: a job submitted now still runs and ends.
    const other = await submit(user, "webhook bystander", undefined);
    expect((await waitForJob(rig, user.idToken, other)).status).toBe("completed");
    const webhook = await settledWebhook(user, slow);
    expect(webhook.deliveries[0]?.attempts[0]).toMatchObject({ statusCode: null, error: "timeout" });
    expect(webhook.deliveries[0]?.attempts.at(-1)?.statusCode).toBe(200);
  });

  it("refuses at delivery a URL whose DNS now points at a private address, and never sends it", async () => {
    const user = await signUpUser();
    dns.set("rebind.example.test", ["127.0.0.1"], ["10.9.8.7"]);
    const jobId = await submit(user, "webhook rebinding", {
      url: `http://rebind.example.test:${receiver.port}/rebind`,
    });
    expect((await waitForJob(rig, user.idToken, jobId)).status).toBe("completed");
    const webhook = await settledWebhook(user, jobId);
    expect(webhook.deliveries[0]).toMatchObject({
      state: "refused",
      attempts: [{ statusCode: null, error: "private" }],
    });
    expect(dns.asked.filter((h) => h === "rebind.example.test")).toHaveLength(2);
    expect(at("/rebind")).toEqual([]);
  });

  it("sends only the events asked for: a cancelled queued job's job.cancelled", async () => {
    const user = await signUpUser();
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    try {
      const wanted = await submit(user, "webhook cancel wanted", {
        url: hookUrl("/cancelled"),
        events: ["job.cancelled"],
      });
      const unwanted = await submit(user, "webhook cancel unwanted", {
        url: hookUrl("/unwanted"),
        events: ["job.completed"],
      });
      for (const jobId of [wanted, unwanted]) {
        expect((await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken })).status).toBe(
          200,
        );
      }
      const [delivery] = (await waitForDeliveries("/cancelled", 1)) as [ReceivedWebhook];
      const payload = await verifyWebhook(await secretOf(user), delivery.headers, delivery.body);
      expect(contract.checkWebhook("job.cancelled", payload)).toEqual([]);
      expect(payload).toMatchObject({ type: "job.cancelled", data: { jobId: wanted, status: "cancelled" } });
      expect((await settledWebhook(user, wanted)).deliveries[0]?.state).toBe("delivered");
      expect((await webhookOf(user, unwanted)).deliveries).toEqual([]);
    } finally {
      await rig.tasksClient.resumeQueue({ name: rig.queueName });
    }
  });

  it("signs with both secrets for a day after a rotation, and a cache hit's webhook fires too", async () => {
    const user = await signUpUser();
    const before = await secretOf(user);
    const rotated = await call(rig.url, "POST", "/v1/webhook-secret/rotate", { token: user.idToken });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("cache-control")).toBe("no-store");
    const { secret: after, previousSecretExpiresAt } = rotated.body as {
      secret: string;
      previousSecretExpiresAt: string;
    };
    expect(after).not.toBe(before);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(await secretOf(user)).toBe(after);

    // The knight of the first test is in the cache: this job is born completed, and still notified.
    const jobId = await submit(user, "webhook knight", { url: hookUrl("/cached") });
    const [delivery] = (await waitForDeliveries("/cached", 1)) as [ReceivedWebhook];
    expect(String(delivery.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    for (const secret of [before, after]) {
      expect(await verifyWebhook(secret, delivery.headers, delivery.body)).toMatchObject({
        type: "job.completed",
        data: { jobId, cached: true },
      });
    }
  });

  it("costs nothing more at submit, and 2 reads and 1 write per delivery attempt (+1 for a new secret)", async () => {
    const user = await signUpUser();
    const ops = rig.runtime.meter.totals();
    const without = await submit(user, "webhook cost without", undefined);
    const middle = rig.runtime.meter.totals();
    const withHook = await submit(user, "webhook cost with", { url: hookUrl("/cost") });
    const after = rig.runtime.meter.totals();
    const diff = (a: typeof ops, b: typeof ops) => ({
      reads: b.reads - a.reads,
      writes: b.writes - a.writes,
    });
    expect(diff(middle, after)).toEqual(diff(ops, middle));
    for (const jobId of [without, withHook]) await waitForJob(rig, user.idToken, jobId);
    await waitForDeliveries("/cost", 1);

    // A delivery measured on its own: a job ended with a pending message, its task never created.
    const store = rig.processRuntime.deps.store;
    const deliver = async (owner: string, path: string) => {
      const job = testJob({
        userId: owner,
        webhook: { url: hookUrl(path), events: ["job.cancelled"], messages: [], checkAt: null },
      });
      await store.createJob(job);
      const ctx = decideContext(rig.processRuntime.deps, Date.now());
      const ended = await store.apply(job.id, (j) => decide(j, { type: "cancel-requested" }, ctx));
      if (!ended.ok) throw new Error(ended.message);
      const messageId = webhookMessageId(job.id, "job.cancelled", 0);
      return rig.processRuntime.meter.measure(() =>
        deliverWebhook(rig.processRuntime.deps, { jobId: job.id, messageId }, 0),
      );
    };
    const owner = `cost-user-${Date.now()}`;
    const first = await deliver(owner, "/cost-first");
    expect(first.value.kind).toBe("delivered");
    expect(first.ops).toEqual({ reads: 2, writes: 2, deletes: 0 }); // the job, the secret (made), the attempt
    const second = await deliver(owner, "/cost-second");
    expect(second.ops).toEqual({ reads: 2, writes: 1, deletes: 0 });
  });

  it.each([
    ["http://10.0.0.7/hook", "private"],
    ["http://169.254.169.254/computeMetadata/v1/", "metadata"],
    ["http://metadata.google.internal/", "metadata-host"],
    ["http://[::ffff:192.168.1.20]/", "private"],
    ["http://[fe80::1]/", "link-local"],
    ["http://internal.example.test/", "private"],
    ["http://mixed.example.test/", "private"],
    ["http://nowhere.example.test/", "unresolvable"],
  ])("refuses %s at submit (%s), with a 422 that creates no job", async (url, refusal) => {
    dns.set("internal.example.test", ["10.20.30.40"]);
    dns.set("mixed.example.test", ["127.0.0.1", "172.16.0.9"]);
    const user = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: submitBody(`refused ${url}`, { url }),
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      type: "/problems/validation-error",
      errors: [{ path: "options.webhook.url", message: expect.stringContaining(`(${refusal})`) }],
    });
    const list = await call(rig.url, "GET", "/v1/jobs", { token: user.idToken });
    expect(list.body).toEqual({ jobs: [], nextCursor: null });
  });
});

/** A deployment's policy (no local switch): https only, and loopback refused like any private address. */
describe("webhook URLs outside local mode", () => {
  let rig: ApiRig;
  beforeAll(async () => {
    rig = await startApiRig();
  });
  afterAll(() => rig?.close());

  it.each([
    ["http://example.com/hook", "https-required"],
    ["https://127.0.0.1:8443/hook", "loopback"],
    ["https://[::1]/hook", "loopback"],
    ["https://localhost/hook", "loopback"],
    ["https://user:secret@example.com/hook", "credentials-in-url"],
  ])("refuses %s (%s)", async (url, refusal) => {
    const user = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: submitBody(`prod ${url}`, { url }),
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      errors: [{ path: "options.webhook.url", message: expect.stringContaining(`(${refusal})`) }],
    });
    expect((await call(rig.url, "GET", "/v1/jobs", { token: user.idToken })).body).toEqual({
      jobs: [],
      nextCursor: null,
    });
  });

  it.each([
    [{ url: "ftp://example.com/" }, "options.webhook.url"],
    [{ url: "https://93.184.215.14/hook", events: ["job.started"] }, "options.webhook.events.0"],
    [{ url: "https://93.184.215.14/hook", events: [] }, "options.webhook.events"],
    [{ url: "https://93.184.215.14/hook", extra: 1 }, "options.webhook.extra"],
  ])("refuses a malformed webhook option %j at %s", async (webhook, path) => {
    const user = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: submitBody("malformed webhook", webhook),
    });
    expect(res.status).toBe(422);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(path);
  });

  it("stores a public https webhook with the job, all three events by default", async () => {
    const user = await signUpUser();
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: submitBody("public webhook", { url: "https://93.184.215.14/hook" }),
    });
    expect(res.status).toBe(202);
    const job = await call(rig.url, "GET", `/v1/jobs/${(res.body as { jobId: string }).jobId}`, {
      token: user.idToken,
    });
    expect((job.body as { webhook: unknown }).webhook).toEqual({
      url: "https://93.184.215.14/hook",
      events: ["job.completed", "job.failed", "job.cancelled"],
      deliveries: [],
    });
  });
});
