import path from "node:path";
import { startServiceProcess, logTail, type ServiceProcess } from "../../harness/service-process.ts";
import { waitFor } from "../../harness/wait-for.ts";

/**
 * Runs one function target the way Cloud Functions does, in its own process: the Functions
 * Framework's server around our entry file (Node 22 runs the TypeScript directly), on loopback.
 */
export async function startFunction(
  target: string,
  source: string,
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<ServiceProcess> {
  const args = [path.resolve("tests/tools/stack/serve-function.ts"), source, target, String(port)];
  const service = startServiceProcess(target, process.execPath, args, env);
  try {
    // Any HTTP answer proves the server is up (the sweep target answers 405 to GET, say).
    await waitFor(
      async () => {
        if (service.exited()) throw new Error(`${target} exited:\n${logTail(service)}`);
        await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `${target} on port ${port}` },
    );
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

/** Runs one of the repo's Node dev tools (`node <file> <args>`) until it answers on `readyUrl`. */
export async function startNodeTool(
  name: string,
  file: string,
  args: string[],
  readyUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<ServiceProcess> {
  const service = startServiceProcess(name, process.execPath, [path.resolve(file), ...args], env);
  try {
    await waitFor(
      async () => {
        if (service.exited()) throw new Error(`${name} exited:\n${logTail(service)}`);
        return (await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) })).status < 500;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `${name} at ${readyUrl}` },
    );
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}
