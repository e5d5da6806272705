import { readFileSync, writeFileSync } from "node:fs";

/**
 * Resets a process's peak resident set (`VmHWM`) to its current size, so the next reading is the
 * peak of what follows. Linux only (`/proc/PID/clear_refs`, value 5); false when not allowed.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** `VmHWM` of a process in MiB (its peak resident set since start or the last reset); null if unreadable. */
export function peakMemoryMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = Number(/^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
    return Number.isFinite(kib) ? Math.round((kib / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}
