import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time, read from Linux's /proc: per process group (every service of the stack runs in a group
 * of its own, so a launcher's children count with it), for this process (the load driver: clients,
 * listeners, the offline PixelLab), and for the whole machine. Milliseconds throughout.
 */
export interface CpuSample {
  /** CPU ms used by each named process group since it started (children that ended included). */
  byName: Record<string, number>;
  /** This process's CPU ms since it started. */
  driverMs: number;
  /** The machine's CPU ms since boot, summed over cores: busy, stolen by the hypervisor, and all. */
  machine: { busyMs: number; stealMs: number; totalMs: number };
}

/** What a scenario cost in CPU, per job and for the machine. */
export interface CpuFigures {
  /** Share of the machine's CPU in use during the scenario, 0-100 (steal not counted as use). */
  machineBusyPercent: number;
  /** Share the hypervisor gave to other guests, 0-100: a high figure means a noisy host. */
  stealPercent: number;
  /** CPU ms per job of each service, and of the load driver (`driver`). */
  msPerJob: Record<string, number>;
  /** The machine's busy CPU ms per job, every process included (the driver too). */
  machineMsPerJob: number;
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc's times (100 on every Linux build seen). */
function clockTicks(): number {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  try {
    ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** utime + stime + cutime + cstime of every process, by process group; empty off Linux. */
function ticksByGroup(): Map<number, number> {
  const byGroup = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return byGroup;
  }
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const group = Number(fields[2]);
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    byGroup.set(group, (byGroup.get(group) ?? 0) + ticks);
  }
  return byGroup;
}

function machineTicks(): { busy: number; steal: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    // cpu user nice system idle iowait irq softirq steal (guest time is already inside user).
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const busy = user + nice + system + irq + softirq;
    return { busy, steal, total: busy + idle + iowait + steal };
  } catch {
    return { busy: 0, steal: 0, total: 0 };
  }
}

/** Reads the CPU counters now; `groups` names process-group leaders (a service's pid). */
export function sampleCpu(groups: Readonly<Record<string, number>>): CpuSample {
  const toMs = (ticks: number) => (ticks * 1000) / clockTicks();
  const ticks = ticksByGroup();
  const byName = Object.fromEntries(
    Object.entries(groups).map(([name, pid]) => [name, toMs(ticks.get(pid) ?? 0)]),
  );
  const usage = process.cpuUsage();
  const m = machineTicks();
  return {
    byName,
    driverMs: (usage.user + usage.system) / 1000,
    machine: { busyMs: toMs(m.busy), stealMs: toMs(m.steal), totalMs: toMs(m.total) },
  };
}

/** The CPU a scenario used between two samples, per job of `jobs`. */
export function cpuFigures(before: CpuSample, after: CpuSample, jobs: number): CpuFigures {
  const round = (v: number) => Math.round(v * 10) / 10;
  const perJob = (ms: number) => (jobs > 0 ? round(ms / jobs) : 0);
  const msPerJob: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after.byName)) {
    // A service restarted in between has a new group: count only what is comparable.
    const delta = ms - (before.byName[name] ?? 0);
    msPerJob[name] = perJob(Math.max(0, delta));
  }
  msPerJob.driver = perJob(after.driverMs - before.driverMs);
  const total = after.machine.totalMs - before.machine.totalMs;
  const busy = after.machine.busyMs - before.machine.busyMs;
  const steal = after.machine.stealMs - before.machine.stealMs;
  const percent = (v: number) => (total > 0 ? round((v / total) * 100) : 0);
  return {
    machineBusyPercent: percent(busy),
    stealPercent: percent(steal),
    msPerJob,
    machineMsPerJob: perJob(busy),
  };
}
