import { createHash } from "node:crypto";
import os from "node:os";

/** What the figures were measured on, measured in the same run so they can be compared across machines. */
export interface MachineFigures {
  cores: number;
  cpuModel: string;
  /** One core's speed: SHA-256 over 1 KiB blocks, MiB hashed per second by this process. */
  sha256MiBPerSecond: number;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  /** 1-minute load average when measured. */
  loadAverage1m: number;
  node: string;
}

/** Takes about `sampleMs` of one core. */
export function measureMachine(sampleMs = 500): MachineFigures {
  const block = Buffer.alloc(1024, 7);
  let hashed = 0;
  const started = performance.now();
  while (performance.now() - started < sampleMs) {
    for (let i = 0; i < 256; i++) createHash("sha256").update(block).digest();
    hashed += 256;
  }
  const seconds = (performance.now() - started) / 1000;
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    sha256MiBPerSecond: Math.round(hashed / 1024 / seconds),
    totalMemoryMiB: mib(os.totalmem()),
    freeMemoryMiB: mib(os.freemem()),
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
  };
}
