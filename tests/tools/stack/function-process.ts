import path from "node:path";
import { pathToFileURL } from "node:url";
import { startServiceProcess, logTail, type ServiceProcess } from "../../harness/service-process.ts";
import { waitFor } from "../../harness/wait-for.ts";

const TELEMETRY_PRELOAD = path.resolve("shared/telemetry/preload.ts");

/**
 * The function's telemetry settings: its target as `service.name`, and spans exported to
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (the stack's receiver) when the caller gives one; without it the
 * preload starts nothing (`OTEL_SDK_DISABLED=true`), so nothing tries to reach an absent receiver.
 */
function telemetryEnv(target: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporting = endpoint !== undefined && endpoint !== "";
  return { ...env, FUNCTION_TARGET: target, ...(!exporting && { OTEL_SDK_DISABLED: "true" }) };
}

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
  const args = [
    // The SDK starts before the function code, as NODE_OPTIONS makes it in the deployment.
    "--import",
    pathToFileURL(TELEMETRY_PRELOAD).href,
    path.resolve("tests/tools/stack/serve-function.ts"),
    source,
    target,
    String(port),
  ];
  const service = startServiceProcess(target, process.execPath, args, telemetryEnv(target, env));
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
