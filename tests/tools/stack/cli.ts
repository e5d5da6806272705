/**
 * `npm start`: the whole queue on this machine, on the fixed ports of ports.ts. Prints a table of
 * URLs once everything answers; Ctrl-C (or SIGTERM) stops every process it started.
 */
import { startStack } from "./start-stack.ts";

console.log("Starting the local generation queue…");
let stack: Awaited<ReturnType<typeof startStack>> | undefined;
let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping…");
  await stack?.stop();
  process.exit(code);
};
process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));

try {
  stack = await startStack({ log: (line) => console.log(line) });
} catch (error) {
  console.error(`\nThe local stack could not start:\n${(error as Error).message}`);
  process.exit(1);
}
const width = Math.max(...Object.keys(stack.urls).map((k) => k.length));
console.log(
  `\nReady in ${(stack.startupMs / 1000).toFixed(1)} s. PixelLab: ${stack.realPixelLab ? "the real API" : "offline server"}.\n`,
);
for (const [name, url] of Object.entries(stack.urls)) {
  if (name.startsWith("PixelLab") && stack.realPixelLab) continue;
  console.log(`  ${name.padEnd(width)}  ${url}`);
}
console.log(
  '\nOpen the web client, or: npm run generate -- "a knight with a sword" --size 64 --out knight.png',
);
console.log("Ctrl-C stops everything.");
