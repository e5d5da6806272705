import { mkdirSync } from "node:fs";
import path from "node:path";
import { CloudTasksClient } from "@google-cloud/tasks";
import { credentials } from "@grpc/grpc-js";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpPasswordAdmin, signUpUser, type PasswordUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { freePort } from "../harness/free-port.ts";
import { call } from "../harness/http-client.ts";
import { waitFor } from "../harness/wait-for.ts";
import type { StackPorts } from "../tools/stack/ports.ts";
import { STACK_PROJECT, STACK_QUEUE } from "../tools/stack/stack-env.ts";
import { startStack, type RunningStack } from "../tools/stack/start-stack.ts";

/** Debian's Chromium; never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = path.resolve("test-artifacts");
/** How long the page may take to show a state: a few of its 3 s polls. */
const PAGE_MS = 20_000;

async function freePorts(): Promise<StackPorts> {
  const names = ["firestore", "pubsub", "auth", "tasks", "tasksAdmin", "pixellab", "redis"] as const;
  const ports: Record<string, number> = {};
  for (const name of [...names, "api", "processJob", "sweep", "web"]) ports[name] = await freePort();
  return ports as unknown as StackPorts;
}

/** A password user without the admin claim, in the stack's Auth emulator. */
async function signUpPasswordUser(authPort: number) {
  const email = `someone-${Math.random().toString(36).slice(2)}@example.test`;
  const password = "emulator-password";
  const url = `http://127.0.0.1:${authPort}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=emulator`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  expect(response.status).toBe(200);
  const { idToken } = (await response.json()) as { idToken: string };
  return { email, password, idToken };
}

describe("the operator page in headless Chromium, against the whole local stack", () => {
  let stack: RunningStack;
  let browser: Browser;
  let tasks: CloudTasksClient;
  let api: string;
  let admin: PasswordUser;
  let alice: TestUser;
  let bob: TestUser;
  /** Dead-lettered jobs of alice: one to retry, one to delete. */
  const dead: { retry: string; remove: string } = { retry: "", remove: "" };
  const previousEnv = {
    auth: process.env.FIREBASE_AUTH_EMULATOR_HOST,
    project: process.env.GOOGLE_CLOUD_PROJECT,
  };

  const submit = async (user: TestUser, description: string) => {
    const res = await call(api, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(description) });
    expect(res.status).toBe(202);
    return (res.body as { jobId: string }).jobId;
  };
  const statusOf = async (user: TestUser, jobId: string) =>
    ((await call(api, "GET", `/v1/jobs/${jobId}`, { token: user.idToken })).body as { status: string })
      .status;

  beforeAll(async () => {
    // Nothing sweeps during the test: queued jobs stay exactly as submitted.
    stack = await startStack({ ports: await freePorts(), sweepEveryMs: 600_000 });
    api = `http://127.0.0.1:${stack.ports.api}`;
    // The users live in the stack's Auth emulator (the harness helpers read these; restored after).
    process.env.FIREBASE_AUTH_EMULATOR_HOST = `127.0.0.1:${stack.ports.auth}`;
    process.env.GOOGLE_CLOUD_PROJECT = STACK_PROJECT;
    [admin, alice, bob] = [await signUpPasswordAdmin(), await signUpUser(), await signUpUser()];
    tasks = new CloudTasksClient({
      servicePath: "127.0.0.1",
      port: stack.ports.tasks,
      sslCreds: credentials.createInsecure(),
      projectId: STACK_PROJECT,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    mkdirSync(ARTIFACTS, { recursive: true });

    // Two jobs PixelLab refuses for good (422, not retryable): dead-lettered after one attempt.
    dead.retry = await submit(alice, "a broken knight [fake:validation_error]");
    dead.remove = await submit(alice, "a broken wizard [fake:validation_error]");
    for (const jobId of Object.values(dead)) {
      await waitFor(async () => (await statusOf(alice, jobId)) === "failed", {
        timeoutMs: 30_000,
        description: `job ${jobId} to fail`,
      });
    }
    // Then the queue stops dispatching: what is submitted now stays queued (2 of alice, 1 of bob).
    await tasks.pauseQueue({ name: STACK_QUEUE });
    await submit(alice, "a knight waiting in line");
    await submit(alice, "a wizard waiting in line");
    await submit(bob, "a dragon waiting in line");
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await tasks?.close();
    await stack?.stop();
    process.env.FIREBASE_AUTH_EMULATOR_HOST = previousEnv.auth;
    process.env.GOOGLE_CLOUD_PROJECT = previousEnv.project;
  });

  async function signIn(page: Page, user: { email: string; password: string }) {
    await page.goto(`${stack.urls["web client"]!}operator.html`);
    await page.waitForSelector("#sign-in-submit:not([disabled])", { timeout: PAGE_MS });
    await page.fill("#email", user.email);
    await page.fill("#password", user.password);
    await page.click("#sign-in-submit");
  }
  const gauge = (page: Page, id: string) => page.getAttribute(`#gauge-${id}`, "data-value");
  const waitGauge = (page: Page, id: string, value: number) =>
    page.waitForSelector(`#gauge-${id}[data-value="${value}"]`, { timeout: PAGE_MS });
  const row = (jobId: string) => `#dead-letters tr[data-job-id="${jobId}"]`;

  it("shows an operator the gauges, the dead letters and the failures, and retries and deletes", async () => {
    const page = await browser.newPage();
    page.on("dialog", (dialog) => void dialog.accept()); // the delete button asks first
    await signIn(page, admin);

    await waitGauge(page, "queued", 3);
    expect(await gauge(page, "dead-letters")).toBe("2");
    expect(await gauge(page, "active-users")).toBe("2");
    expect(await gauge(page, "processing")).toBe("0");
    expect(Number(await gauge(page, "oldest-queued-age"))).toBeGreaterThan(0);
    await page.waitForSelector(row(dead.retry), { timeout: PAGE_MS });
    expect(await page.getAttribute(row(dead.remove), "data-error-type")).toBe("validation");
    expect(await page.getAttribute('#failure-types li[data-error-type="validation"]', "data-count")).toBe(
      "2",
    );
    expect(await page.locator(`#failures li[data-job-id="${dead.retry}"]`).textContent()).toContain(
      "validation",
    );
    // A few polls in, each chart draws its history: one point per sample kept.
    const chart = await page.waitForFunction(
      () => {
        const svg = document.getElementById("chart-queued")!;
        const samples = Number(svg.dataset.samples);
        const points = svg.querySelector("polyline")!.getAttribute("points")!.split(" ").length;
        return samples >= 3 ? { samples, points } : undefined;
      },
      undefined,
      { timeout: PAGE_MS },
    );
    const drawn = await chart.jsonValue();
    expect(drawn?.samples).toBeGreaterThanOrEqual(3);
    expect(drawn?.points).toBe(drawn?.samples);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-operator-dashboard.png"), fullPage: true });

    await page.click(`${row(dead.retry)} button.retry`);
    await page.waitForSelector(row(dead.retry), { state: "detached", timeout: PAGE_MS });
    // Replayed as a new run: queued again (the queue is paused, so it stays there).
    expect(await statusOf(alice, dead.retry)).toBe("queued");
    await waitGauge(page, "queued", 4);
    expect(await gauge(page, "dead-letters")).toBe("1");
    expect(await page.textContent("#action-status")).toContain("queued again");

    await page.click(`${row(dead.remove)} button.delete`);
    await page.waitForSelector(row(dead.remove), { state: "detached", timeout: PAGE_MS });
    await waitGauge(page, "dead-letters", 0);
    const entry = await call(api, "GET", `/v1/admin/dead-letters/${dead.remove}`, { token: admin.idToken });
    expect(entry.status).toBe(404);
    expect(await statusOf(alice, dead.remove)).toBe("failed");
    expect(await page.isVisible("#dead-letters-empty")).toBe(true);
    expect(await page.isVisible("#failures-empty")).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-operator-after-actions.png"), fullPage: true });
    await page.close();
  });

  it("is linked from the main page, and tells a non-operator it is for operators only", async () => {
    const someone = await signUpPasswordUser(stack.ports.auth);
    const page = await browser.newPage();
    await page.goto(stack.urls["web client"]!);
    await page.click("#operator-link");
    await page.waitForSelector("#sign-in-submit:not([disabled])", { timeout: PAGE_MS });
    await page.fill("#email", someone.email);
    await page.fill("#password", someone.password);
    await page.click("#sign-in-submit");
    await page.waitForSelector("#forbidden:not([hidden])", { timeout: PAGE_MS });
    expect(await page.textContent("#forbidden h2")).toBe("Operators only");
    expect(await page.textContent("#forbidden-who")).toBe(someone.email);
    expect(await page.isHidden("#dashboard")).toBe(true);
    // What the page shows is what the API answers this user.
    const refused = await call(api, "GET", "/v1/admin/queue", { token: someone.idToken });
    expect(refused.status).toBe(403);
    expect((await call(api, "GET", "/v1/admin/queue")).status).toBe(401);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-operator-forbidden.png"), fullPage: true });
    await page.close();
  });
});
