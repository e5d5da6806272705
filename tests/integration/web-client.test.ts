import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.ts";
import type { StackPorts } from "../tools/stack/ports.ts";
import { createTasksClient } from "../../shared/ports/task-scheduler.ts";
import { STACK_PROJECT, STACK_QUEUE } from "../tools/stack/stack-env.ts";
import { startStack, type RunningStack } from "../tools/stack/start-stack.ts";

/** Debian's Chromium; never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = path.resolve("test-artifacts");

async function freePorts(): Promise<StackPorts> {
  const names = [
    "firestore",
    "pubsub",
    "auth",
    "tasks",
    "tasksAdmin",
    "pixellab",
    "redis",
    "api",
    "processJob",
    "sweep",
    "web",
  ];
  const ports: Record<string, number> = {};
  for (const name of names) ports[name] = await freePort();
  return ports as unknown as StackPorts;
}

describe("the web client in headless Chromium, against the whole local stack", () => {
  let stack: RunningStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack({ ports: await freePorts() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Submits a prompt and records every stage the page shows until it ends. */
  async function generate(page: Page, prompt: string) {
    await page.waitForSelector("#submit:not([disabled])", { timeout: 30_000 });
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenStages: string[] }).seenStages = seen;
      const status = document.getElementById("status")!;
      new MutationObserver(() => {
        const stage = status.dataset.stage;
        if (stage !== undefined && seen.at(-1) !== stage) seen.push(stage);
      }).observe(status, { attributes: true, attributeFilter: ["data-stage"] });
    });
    await page.fill("#prompt", prompt);
    await page.click("#submit");
    await page.waitForSelector('#status[data-status="completed"]', { timeout: 60_000 });
    await page.waitForFunction(
      () => (document.getElementById("sprite") as HTMLImageElement).naturalWidth > 0,
    );
    return {
      stages: await page.evaluate(() => (window as unknown as { seenStages: string[] }).seenStages),
      transport: await page.getAttribute("#transport", "data-transport"),
      spriteWidth: await page.evaluate(
        () => (document.getElementById("sprite") as HTMLImageElement).naturalWidth,
      ),
    };
  }

  it("follows a job through a Firestore listener and shows the sprite", async () => {
    const page = await browser.newPage();
    await page.goto(stack.urls["web client"]!);
    const seen = await generate(page, "a knight with a sword [fake:latency=1500]");
    expect(seen.transport).toBe("listener");
    expect(seen.stages).toContain("generating");
    expect(seen.stages.at(-1)).toBe("done");
    expect(seen.spriteWidth).toBe(64);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-client-listener.png") });
    await page.close();
  });

  it("follows the same kind of job by polling when forced onto it, with the same UI", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.urls["web client"]!}?transport=polling`);
    const seen = await generate(page, "a wizard with a staff [fake:latency=1500]");
    expect(seen.transport).toBe("polling");
    expect(seen.stages).toContain("generating");
    expect(seen.stages.at(-1)).toBe("done");
    expect(seen.spriteWidth).toBe(64);
    const listed = await page.locator("#jobs li").count();
    expect(listed).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-client-polling.png") });
    await page.close();
  });
  it("says why a job waits while the queue is paused, then follows it to its end", async () => {
    const ports = stack.ports;
    const tasks = createTasksClient({
      tasksEmulatorHost: `127.0.0.1:${ports.tasks}`,
      projectId: STACK_PROJECT,
    });
    await tasks.pauseQueue({ name: STACK_QUEUE });
    const page = await browser.newPage();
    try {
      await page.goto(stack.urls["web client"]!);
      await page.waitForSelector("#submit:not([disabled])", { timeout: 30_000 });
      await page.fill("#prompt", "a paused archer");
      await page.click("#submit");
      // The api reuses the queue's state for 10 s and the page asks every 5 s: within 15 s, unloaded.
      await page.waitForSelector('#waiting[data-code="queue-paused"]', { timeout: 45_000 });
      expect(await page.textContent("#waiting")).toContain("The queue is paused by its operator");
      await page.screenshot({ path: path.join(ARTIFACTS, "web-client-waiting.png") });
    } finally {
      await tasks.resumeQueue({ name: STACK_QUEUE });
    }
    await page.waitForSelector('#status[data-status="completed"]', { timeout: 60_000 });
    expect(await page.isHidden("#waiting")).toBe(true);
    await page.close();
    await tasks.close();
  });

  it("shows the API reference, read from the API's own /openapi.json", async () => {
    const page = await browser.newPage();
    await page.goto(stack.urls["web client"]!);
    await page.click("#api-link");
    await page.waitForSelector('[data-route="POST /v1/jobs"]', { timeout: 30_000 });
    expect(await page.textContent("#reference-status")).toContain("OpenAPI 3.1.0");
    const routes = await page.$$eval("[data-route]", (els) =>
      els.map((e) => (e as HTMLElement).dataset.route),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /v1/jobs/{jobId}",
        "DELETE /v1/jobs/{jobId}",
        "GET /openapi.json",
        "GET /v1/webhook-secret",
        "WEBHOOK job.completed",
      ]),
    );
    expect(await page.textContent('[data-route="POST /v1/jobs"]')).toContain("429: ");
    await page.close();
  });
});
