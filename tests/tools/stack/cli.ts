/**
 * `npm start`: the whole queue on this machine, on the fixed ports of ports.ts (each movable by a
 * `STACK_<NAME>_PORT` variable). Prints a table of URLs once everything answers. Ctrl-C (SIGINT) or
 * SIGTERM, at any moment, also halfway through start-up, stops every process it started and exits
 * 130 or 143 (128 + the signal, as a shell reports it); a second Ctrl-C kills them at once.
 */
import { allServices } from "../../harness/service-process.ts";
import { portsFromEnv } from "./ports.ts";
import { startStack } from "./start-stack.ts";

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

console.log("Starting the local generation queue…");
let stack: Awaited<ReturnType<typeof startStack>> | undefined;
let stopping = false;
// Last resort (an uncaught error, a second signal): SIGKILL every process group still registered.
process.on("exit", () => allServices.killNow());
const shutdown = async (signal: keyof typeof EXIT_CODES) => {
  if (stopping) process.exit(EXIT_CODES[signal]); // impatient: the exit hook kills the rest
  stopping = true;
  console.log("\nStopping…");
  // The stack object exists only once start-up is done; the registry holds every process spawned
  // so far, including those still coming up, so both are stopped.
  await Promise.allSettled([stack?.stop(), allServices.stop()]);
  process.exit(EXIT_CODES[signal]);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  stack = await startStack({ ports: portsFromEnv(process.env), log: (line) => console.log(line) });
} catch (error) {
  // A start-up cut short by Ctrl-C fails too (its processes vanish); the shutdown reports that.
  if (!stopping) {
    console.error(`\nThe local stack could not start:\n${(error as Error).message}`);
    process.exit(1);
  }
}
if (stack !== undefined && !stopping) printReady(stack);

function printReady(running: NonNullable<typeof stack>): void {
  const width = Math.max(...Object.keys(running.urls).map((k) => k.length));
  console.log(
    `\nReady in ${(running.startupMs / 1000).toFixed(1)} s. PixelLab: ${running.realPixelLab ? "the real API" : "offline server"}.\n`,
  );
  for (const [name, url] of Object.entries(running.urls)) {
    if (name.startsWith("PixelLab") && running.realPixelLab) continue;
    console.log(`  ${name.padEnd(width)}  ${url}`);
  }
  for (const note of running.notes) console.log(`  ${note}`);
  console.log(
    '\nOpen the web client, or: npm run generate -- "a knight with a sword" --size 64 --out knight.png',
  );
  if (running.spansFile !== undefined) console.log("A job's timeline: npm run trace -- <jobId>");
  if (running.prometheus) console.log(`/metrics takes: Authorization: Bearer ${running.metricsToken}`);
  console.log("Ctrl-C stops everything.");
}
