import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { logTail, startServiceProcess, type ServiceProcess } from "../../harness/service-process.ts";
import { waitFor } from "../../harness/wait-for.ts";

const LOOPBACK_PRELOAD = path.resolve("tests/tools/package/loopback-listen.ts");

/**
 * Starts one target of an unpacked, installed artifact the way Cloud Functions does: the Functions
 * Framework's own CLI from the artifact's node_modules, `--source` the artifact folder (so its
 * package.json "main" is what gets loaded), on loopback. Resolves once it answers HTTP.
 */
export async function startArtifactTarget(
  dir: string,
  target: string,
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<ServiceProcess> {
  const framework = path.join(dir, "node_modules", "@google-cloud", "functions-framework");
  const manifest = JSON.parse(readFileSync(path.join(framework, "package.json"), "utf8")) as {
    bin: Record<string, string>;
  };
  const bin = path.join(framework, manifest.bin["functions-framework"] ?? "missing-bin");
  const args = [
    "--import",
    pathToFileURL(LOOPBACK_PRELOAD).href,
    bin,
    `--target=${target}`,
    `--source=${dir}`,
    `--port=${port}`,
    "--signature-type=http",
  ];
  const service = startServiceProcess(`artifact-${target}`, process.execPath, args, env);
  try {
    await waitFor(
      async () => {
        if (service.exited()) throw new Error(`${target} exited:\n${logTail(service)}`);
        await fetch(`http://127.0.0.1:${port}/`, { method: "HEAD", signal: AbortSignal.timeout(1_000) });
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `artifact target ${target} on port ${port}` },
    );
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}
