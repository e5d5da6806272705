import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.ts";
import { waitFor } from "../harness/wait-for.ts";
import { DEFAULT_PORTS, portVariable, takenPorts, type StackPorts } from "../tools/stack/ports.ts";

/** One process as /proc shows it; `started` (clock ticks since boot) tells a reused pid apart. */
interface ProcInfo {
  pid: number;
  ppid: number;
  session: number;
  started: string;
  zombie: boolean;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "pid (comm) ": state ppid pgrp session ... starttime (field 22 of stat(5)).
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      pid,
      ppid: Number(rest[1]),
      session: Number(rest[3]),
      started: rest[19] ?? "",
      zombie: rest[0] === "Z",
    };
  } catch {
    return undefined; // gone between listing and reading
  }
}

function allProcs(): ProcInfo[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProc(Number(entry)))
    .filter((p): p is ProcInfo => p !== undefined);
}

/** The live descendants of `root` (children, their children, ...). */
function descendants(root: number): ProcInfo[] {
  const procs = allProcs();
  const found: ProcInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found.filter((p) => !p.zombie);
}

/** Still running: the same process (pid and start time), or anything in a session a child led. */
function survivors(seen: Map<number, ProcInfo>): ProcInfo[] {
  const sessions = new Set([...seen.values()].filter((p) => p.session === p.pid).map((p) => p.pid));
  return allProcs().filter(
    (p) => !p.zombie && (seen.get(p.pid)?.started === p.started || sessions.has(p.session)),
  );
}

function describeProc(p: ProcInfo): string {
  try {
    return `${p.pid} ${readFileSync(`/proc/${p.pid}/cmdline`, "utf8").replaceAll("\0", " ").trim()}`;
  } catch {
    return `${p.pid} (gone)`;
  }
}

async function freeStackPorts(): Promise<StackPorts> {
  const ports = { ...DEFAULT_PORTS };
  for (const name of Object.keys(ports) as (keyof StackPorts)[]) ports[name] = await freePort();
  return ports;
}

/** The grace a stop gives each process group (5 s SIGTERM, then SIGKILL), plus start-up slack on 2 cores. */
const STOPPED_WITHIN_MS = 20_000;

/** `node tests/tools/stack/cli.ts` (what `npm start` runs) on `ports`, its output gathered. */
function startCli(ports: StackPorts) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The stack points its own functions at its own emulators, not the harness's.
  for (const key of ["FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"])
    delete env[key];
  for (const [name, port] of Object.entries(ports))
    env[portVariable(name as keyof StackPorts)] = String(port);
  const child = spawn(process.execPath, ["tests/tools/stack/cli.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const cli = {
    child,
    output: "",
    exited: new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout.on("data", (chunk: Buffer) => (cli.output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (cli.output += chunk.toString()));
  return cli;
}

describe("npm start interrupted while it is still starting", () => {
  const seen = new Map<number, ProcInfo>();

  afterEach(() => {
    // Whatever the outcome, leave no process behind: SIGKILL each survivor (and its group).
    for (const p of survivors(seen)) {
      for (const target of [-p.pid, p.pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // already gone, or not a group leader
        }
      }
    }
    seen.clear();
  });

  it.each([
    // Redis answers first, within a second; the JVM emulators and Auth are still coming up.
    { signal: "SIGINT", code: 130, when: "the first service is up", line: /^ {2}up: / },
    // Every emulator answers; the processJob function is being spawned and awaited.
    { signal: "SIGTERM", code: 143, when: "the first function is up", line: /^ {2}up: api$/ },
  ] as const)(
    "$signal after $when stops every process it started, frees the ports and exits $code",
    async ({ signal, code, line }) => {
      const ports = await freeStackPorts();
      const cli = startCli(ports);
      // Every process of its tree, collected as it appears, until it is gone.
      const collect = () => descendants(cli.child.pid as number).forEach((p) => seen.set(p.pid, p));
      const poller = setInterval(collect, 50);
      try {
        await waitFor(() => cli.output.split("\n").some((l) => line.test(l)) || cli.child.exitCode !== null, {
          timeoutMs: 120_000,
          intervalMs: 20,
        });
        collect();
        expect(cli.output).not.toContain("Ready in");
        const stillStarting = seen.size;
        cli.child.kill(signal);
        const exitCode = await Promise.race([
          cli.exited,
          new Promise<string>((r) => setTimeout(() => r("still running"), STOPPED_WITHIN_MS).unref()),
        ]);
        collect();
        clearInterval(poller);

        // More than the one service that was up: others were still starting when the signal came.
        expect(stillStarting, cli.output).toBeGreaterThan(1);
        expect(cli.output).not.toContain("Ready in");
        const left = await waitFor(() => (survivors(seen).length === 0 ? [] : false), {
          timeoutMs: 5_000,
          description: "every process of the stack to be gone",
        }).catch(() => survivors(seen));
        expect.soft(left.map(describeProc)).toEqual([]);
        expect.soft(await takenPorts(ports)).toEqual([]);
        expect.soft(exitCode, cli.output).toBe(code);
      } finally {
        clearInterval(poller);
        if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
      }
    },
    180_000,
  );
});
