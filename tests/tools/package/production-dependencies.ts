import { isBuiltin } from "node:module";
import ts from "typescript";

/** What a root `package.json` says about dependencies (the fields this tool reads). */
export interface PackageManifest {
  name: string;
  version: string;
  description?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * The packages compiled JavaScript imports (static, re-exports and dynamic `import("…")`), found
 * with TypeScript's own import scanner: relative paths and Node built-ins left out.
 */
export function importedPackages(sources: Iterable<string>): Set<string> {
  const found = new Set<string>();
  for (const source of sources) {
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      if (fileName.startsWith(".") || fileName.startsWith("/") || isBuiltin(fileName)) continue;
      found.add(packageOf(fileName));
    }
  }
  return found;
}

/**
 * The artifact's `dependencies`: each imported package with the exact version the root manifest
 * pins. A package the code imports that is only a dev dependency, or not listed at all, would crash
 * the deployed function at its first import, so it fails the build here, naming it.
 */
export function productionDependencies(
  imported: ReadonlySet<string>,
  root: PackageManifest,
): Record<string, string> {
  const problems: string[] = [];
  const chosen: Record<string, string> = {};
  for (const name of [...imported].sort()) {
    const version = root.dependencies?.[name];
    if (version === undefined) {
      const where = root.devDependencies?.[name] === undefined ? "not a dependency" : "only a devDependency";
      problems.push(`${name} is imported by production code but is ${where} in package.json`);
    } else if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
      problems.push(`${name}@${version}: production dependencies must be pinned to an exact version`);
    } else {
      chosen[name] = version;
    }
  }
  if (problems.length > 0) throw new Error(`package: ${problems.join("; ")}`);
  return chosen;
}
