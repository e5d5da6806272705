import { writeFileSync } from "node:fs";
import path from "node:path";
import { build, preview, type PreviewServer } from "vite";

/**
 * The web client as a deployment serves it: Vite builds `shared/web/` into static files, the
 * stack's settings go next to them as `config.json` (a production deployment writes its own), and
 * Vite's static server serves the folder on loopback. A build, rather than the dev server, means no
 * dependency re-bundling and page reloads under a user who already started a job.
 */
export async function startWebServer(port: number, config: unknown): Promise<PreviewServer> {
  const root = path.resolve("shared/web");
  const outDir = path.resolve(".tmp", `web-${port}`);
  // The config file lists the pages (the web client and the operator page).
  const configFile = path.join(root, "vite.config.ts");
  await build({ configFile, root, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  writeFileSync(path.join(outDir, "config.json"), JSON.stringify(config));
  return preview({
    configFile: false,
    root,
    logLevel: "warn",
    build: { outDir },
    preview: { host: "127.0.0.1", port, strictPort: true },
  });
}
