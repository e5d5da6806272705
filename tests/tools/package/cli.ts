/**
 * `npm run package [-- --out <dir>]`: builds the deployable artifact for Cloud Functions into
 * `<dir>/function-source.zip` (default `dist/`), which `terraform/` uploads under its MD5.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { buildArtifact, DEFAULT_OUT_DIR } from "./build-artifact.ts";

const { values } = parseArgs({ options: { out: { type: "string", default: DEFAULT_OUT_DIR } } });
const started = performance.now();
try {
  const artifact = buildArtifact({ root: process.cwd(), outDir: values.out });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${path.relative(process.cwd(), artifact.zipPath)}: ${(artifact.sizeBytes / 1024).toFixed(0)} KiB, ` +
      `${artifact.files.length} files, md5 ${artifact.md5}, built in ${seconds} s`,
  );
  console.log(
    `dependencies: ${Object.entries(artifact.dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join(", ")}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
