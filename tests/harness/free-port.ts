import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Where free ports are looked for: below the kernel's ephemeral range. A port the kernel handed out
 * for `listen(0)` and that was released again is free only until some other process binds port 0
 * and gets it, and the parallel test files start dozens of servers that way: a stack given such a
 * port then failed with EADDRINUSE. Ports below the ephemeral range are never handed out by the
 * kernel, so only another caller of this function could take them (unlikely at random, and never
 * twice in one process). Falls back to the kernel's choice where the range leaves no room.
 */
const RANGE = portRange();
const handedOut = new Set<number>();

function portRange(): { low: number; high: number } | undefined {
  try {
    const [ephemeralLow] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (ephemeralLow === undefined || !Number.isInteger(ephemeralLow) || ephemeralLow < 12_000)
      return undefined;
    return { low: 10_000, high: ephemeralLow - 1 };
  } catch {
    return undefined; // not Linux: the kernel's choice
  }
}

/** A free TCP port on 127.0.0.1, checked by binding it (and releasing it at once). */
export async function freePort(): Promise<number> {
  if (RANGE === undefined) return bind(0);
  for (let tries = 0; tries < 50; tries++) {
    const port = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low + 1));
    if (handedOut.has(port)) continue;
    const bound = await bind(port).catch(() => undefined);
    if (bound === undefined) continue;
    handedOut.add(bound);
    return bound;
  }
  return bind(0);
}

/** Binds `port` (0: the kernel picks), reads the port back and releases it. */
function bind(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the bound port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
