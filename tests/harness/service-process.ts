import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, readFileSync } from "node:fs";
import path from "node:path";

/** A long-running helper process (emulator, redis-server) started in its own process group. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Where its stdout and stderr go, for the failure message when it does not come up. */
  readonly logFile: string;
  /** Resolves once the whole process group is gone (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort for `process.on("exit")`: SIGKILL to the group, no waiting. */
  killNow(): void;
  exited(): boolean;
}

const LOG_DIR = path.resolve(".tmp", "logs");

/**
 * Starts `command` detached in a new process group, so that stopping it also stops what it forks
 * (the SDK's emulator launchers are shell scripts that exec or fork a JVM).
 */
export function startServiceProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServiceProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}-${process.pid}-${Date.now()}.log`);
  const fd = openSync(logFile, "w");
  const child: ChildProcess = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  let done = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      done = true;
      resolve();
    }),
  );
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  return {
    name,
    pid,
    logFile,
    exited: () => done,
    killNow: () => signalGroup("SIGKILL"),
    async stop(graceMs = 5_000) {
      signalGroup("SIGTERM");
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
      if ((await Promise.race([exit, timer])) === "timeout") signalGroup("SIGKILL");
      // The launcher may exit before its JVM child; make sure nothing of the group survives.
      signalGroup("SIGKILL");
      await exit;
    },
  };
}

/** The last `lines` lines of a service's log, for error messages. */
export function logTail(service: ServiceProcess, lines = 20): string {
  try {
    return readFileSync(service.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
