import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPng } from "../../shared/pixellab/png-header.ts";
import { uniqueName } from "../harness/isolation.ts";
import { startQueueRig, type QueueRig } from "../harness/queue-rig.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, in a child Node process, and waits for it to exit. */
function generate(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["shared/cli/generate.ts", ...args],
      { env: { ...process.env, QUEUE_ID_TOKEN: "" }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run generate", () => {
  let rig: QueueRig;
  let dir: string;
  const common = () => ["--api", rig.url, "--auth-emulator", process.env.FIREBASE_AUTH_EMULATOR_HOST ?? ""];

  beforeAll(async () => {
    rig = await startQueueRig();
    dir = await mkdtemp(path.join(tmpdir(), "cli-generate-"));
  });
  afterAll(async () => {
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  });

  // First in the file: the api reuses the queue's state for 10 s, and no earlier read may have seen it run.
  it("says why the job waits while the queue is paused, then finishes it", async () => {
    await rig.tasksClient.pauseQueue({ name: rig.queueName });
    const out = path.join(dir, "paused.png");
    const running = generate([`a paused knight ${uniqueName("cli")}`, "--out", out, ...common()]);
    // Long enough for the CLI to sign in, submit and read its job once.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await rig.tasksClient.resumeQueue({ name: rig.queueName });
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /0% queued · The queue is paused by its operator; the job starts once it runs again\.\n/,
    );
    expect(run.stderr).toMatch(/100% completed/);
  });

  it("writes the PNG, names the job and exits 0; a repeat comes from the cache", async () => {
    const description = `a knight with a sword ${uniqueName("cli")}`;
    const out = path.join(dir, "x.png");
    const run = await generate([description, "--size", "40", "--out", out, ...common()]);
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^job \S+ completed in 1 attempt \(cache: no\) → /),
    });
    const jobId = /^job (\S+)/.exec(run.stdout)?.[1];
    expect(run.stdout).toContain(out);
    expect(readPng(await readFile(out))).toMatchObject({ ok: true, info: { width: 40, height: 40 } });
    // Not a terminal: one progress line per change, ending at 100%.
    expect(run.stderr).toMatch(/100% completed/);
    expect(run.stderr).not.toContain("\r");

    const again = await generate([
      description,
      "--size",
      "40",
      "--out",
      path.join(dir, "y.png"),
      ...common(),
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("(cache: yes)");
    expect(again.stdout).not.toContain(jobId);
    expect(await readFile(path.join(dir, "y.png"))).toEqual(await readFile(out));
  });

  it("exits 1 naming the error type when the job fails", async () => {
    const description = `a costly crown [fake:payment_required] ${uniqueName("cli")}`;
    const run = await generate([description, "--out", path.join(dir, "z.png"), ...common()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/failed: quota: /);
    expect(run.stdout).toBe("");
  });

  it.each([
    { name: "a bad size", args: ["a cat", "--size", "big"], message: /--size expects an integer/, code: 2 },
    {
      name: "an unknown option",
      args: ["a cat", "--colour", "red"],
      message: /unknown option "--colour"/,
      code: 2,
    },
    {
      name: "a refused request",
      args: ["a cat", "--size", "5"],
      message: /\/problems\/validation-error/,
      code: 1,
    },
  ])("exits $code on $name", async ({ args, message, code }) => {
    const run = await generate([...args, "--out", path.join(dir, "never.png"), ...common()]);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});
