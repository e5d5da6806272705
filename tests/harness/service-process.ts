import { AsyncLocalStorage } from "node:async_hooks";
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
 * A set of services that is stopped as one: every service started inside {@link ServiceScope.run}
 * (through any number of awaits) joins it the moment it is spawned, not once it answers, so stopping
 * the scope halfway through a start-up also stops what is still coming up.
 */
export class ServiceScope {
  readonly members = new Set<ServiceProcess>();
  #closed = false;

  run<T>(start: () => Promise<T>): Promise<T> {
    return scopes.run(this, start);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Refuses new members, then stops every member's process group (SIGTERM, SIGKILL after `graceMs`). */
  async stop(graceMs?: number): Promise<void> {
    this.#closed = true;
    // A member's stop removes it; loop in case one joined while the others were stopping.
    while (this.members.size > 0) await Promise.all([...this.members].map((s) => s.stop(graceMs)));
  }

  /** Synchronous SIGKILL to every member's group, for `process.on("exit")`. */
  killNow(): void {
    for (const service of this.members) service.killNow();
  }
}

const scopes = new AsyncLocalStorage<ServiceScope>();

/**
 * Every service this process started whose process group may still run. A signal handler or an exit
 * hook stops them through this even when no caller holds their handles yet (a start-up cut short).
 */
export const allServices = new ServiceScope();

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
  const scope = scopes.getStore();
  if (allServices.closed || scope?.closed === true)
    throw new Error(`${name}: not started, its services are being stopped`);
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}-${process.pid}-${Date.now()}.log`);
  const fd = openSync(logFile, "w");
  const child: ChildProcess = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  let done = false;
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is already gone.
    }
  };
  const forget = (): void => {
    allServices.members.delete(service);
    scope?.members.delete(service);
  };
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      done = true;
      // A launcher may exit before its JVM: it stays registered while its group has a process.
      if (!signalGroup(0)) forget();
      resolve();
    }),
  );
  const service: ServiceProcess = {
    name,
    pid,
    logFile,
    exited: () => done,
    killNow: () => void signalGroup("SIGKILL"),
    async stop(graceMs = 5_000) {
      signalGroup("SIGTERM");
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
      if ((await Promise.race([exit, timer])) === "timeout") signalGroup("SIGKILL");
      // The launcher may exit before its JVM child; make sure nothing of the group survives.
      signalGroup("SIGKILL");
      await exit;
      forget();
    },
  };
  // Registered before anything can await: a signal arriving from here on stops this process too.
  allServices.members.add(service);
  scope?.members.add(service);
  return service;
}

/** The last `lines` lines of a service's log, for error messages. */
export function logTail(service: ServiceProcess, lines = 20): string {
  try {
    return readFileSync(service.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
