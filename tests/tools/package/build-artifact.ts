import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { lockfileSubset, type Lockfile } from "./lockfile-subset.ts";
import { importedPackages, productionDependencies, type PackageManifest } from "./production-dependencies.ts";
import { writeZip } from "./zip-writer.ts";

/**
 * The Cloud Functions entry modules. Each registers its target (`api`, `processJob`, `sweep`) with
 * the Functions Framework when imported; the artifact holds what they import and nothing else, so
 * tests, dev tools, the web client and the CLI never reach it.
 */
export const FUNCTION_MODULES = ["functions/api.ts", "functions/process-job.ts", "functions/sweep.ts"];

/**
 * The telemetry preload, compiled beside them but imported by nothing: the deployment loads it
 * first with `NODE_OPTIONS=--import ./shared/telemetry/preload.js` (paths relative to the source root).
 */
export const PRELOAD_MODULE = "shared/telemetry/preload.ts";

/**
 * The zip Terraform uploads (`terraform/source.tf`) and the default folder for it: `dist/`, which
 * git, ESLint and Prettier already ignore.
 */
export const ARTIFACT_NAME = "function-source.zip";
export const DEFAULT_OUT_DIR = "dist";

export interface Artifact {
  zipPath: string;
  /** Hex MD5 of the zip, as Terraform's `filemd5` computes it: the uploaded object's name. */
  md5: string;
  sizeBytes: number;
  /** Paths inside the zip, sorted. */
  files: string[];
  dependencies: Record<string, string>;
}

/** Compiles the entry modules and what they import into `outDir` with tsconfig.build.json's options. */
function compile(root: string, outDir: string): void {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, "tsconfig.build.json"),
    { outDir, noEmit: false, sourceMap: false, declaration: false },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) throw new Error("package: tsconfig.build.json could not be read");
  const program = ts.createProgram({
    rootNames: [...FUNCTION_MODULES, PRELOAD_MODULE].map((file) => path.join(root, file)),
    options: parsed.options,
  });
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0 || result.emitSkipped) {
    const host = {
      getCanonicalFileName: (f: string) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    };
    throw new Error(`package: the functions do not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
}

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

const INDEX_JS = `// The Functions Framework loads this file (package.json "main") and serves the target that
// --target names. Each module registers its target when imported; nothing else runs at import.
${FUNCTION_MODULES.map((file) => `import "./${file.replace(/\.ts$/, ".js")}";`).join("\n")}
`;

/**
 * Builds the deployable artifact: the compiled functions, an `index.js` that registers all three
 * targets, a `package.json` with the production dependencies the compiled code imports (exact
 * versions from the root manifest) and the matching slice of the root lockfile, zipped
 * reproducibly into `<outDir>/function-source.zip`. `<outDir>/function-source/` is the unzipped copy.
 */
export function buildArtifact(options: { root: string; outDir: string }): Artifact {
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir);
  const stage = path.join(outDir, ARTIFACT_NAME.replace(/\.zip$/, ""));
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  compile(root, stage);

  const compiled = filesUnder(stage).filter((file) => file.endsWith(".js"));
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as PackageManifest;
  const imported = importedPackages(compiled.map((file) => readFileSync(path.join(stage, file), "utf8")));
  const dependencies = productionDependencies(imported, manifest);
  const artifactManifest = {
    name: `${manifest.name}-functions`,
    version: manifest.version,
    private: true,
    description: `${manifest.description ?? manifest.name}: the api, processJob and sweep Cloud Functions`,
    type: "module",
    main: "index.js",
    // Cloud Functions' nodejs22 runtime; the buildpack reads this too.
    engines: { node: "22.x" },
    dependencies,
  };
  const rootLock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as Lockfile;
  writeFileSync(path.join(stage, "index.js"), INDEX_JS);
  writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(artifactManifest, null, 2)}\n`);
  writeFileSync(
    path.join(stage, "package-lock.json"),
    `${JSON.stringify(lockfileSubset(rootLock, artifactManifest), null, 2)}\n`,
  );

  const files = filesUnder(stage).sort();
  const zip = writeZip(files.map((name) => ({ name, data: readFileSync(path.join(stage, name)) })));
  const zipPath = path.join(outDir, ARTIFACT_NAME);
  writeFileSync(zipPath, zip);
  const md5 = createHash("md5").update(zip).digest("hex");
  return { zipPath, md5, sizeBytes: zip.length, files, dependencies };
}
