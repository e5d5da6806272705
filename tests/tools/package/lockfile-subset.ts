/** One `packages` entry of an npm lockfile (v2/v3), the fields this tool reads or rewrites. */
interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockedPackage>;
}

/** Where Node would find `name` required from the package installed at `from` ("" is the root). */
function resolve(packages: Lockfile["packages"], from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (dir === "") return undefined;
    const up = dir.lastIndexOf("node_modules/");
    dir = up <= 0 ? "" : dir.slice(0, up - 1);
  }
}

/**
 * The root lockfile cut down to what `dependencies` need, with the same layout and versions, so
 * `npm ci` in the artifact (Cloud Build runs it when a lockfile is present) installs exactly the
 * tree the tests ran against instead of resolving ranges again on deploy day.
 */
export function lockfileSubset(
  root: Lockfile,
  manifest: { name: string; version: string; dependencies: Record<string, string>; engines: object },
): Lockfile {
  if (root.lockfileVersion < 2) throw new Error("package: package-lock.json must be lockfileVersion 2 or 3");
  const kept = new Map<string, LockedPackage>();
  const visit = (from: string, deps: Record<string, string>, optional: (name: string) => boolean) => {
    for (const name of Object.keys(deps)) {
      const at = resolve(root.packages, from, name);
      if (at === undefined) {
        if (optional(name)) continue;
        throw new Error(`package: ${name} (needed by ${from || "the artifact"}) is not in package-lock.json`);
      }
      if (kept.has(at)) continue;
      const entry = root.packages[at] as LockedPackage;
      kept.set(at, entry);
      // npm installs required peers but never optional ones; a dependency listed as both is required.
      const peers = Object.entries(entry.peerDependencies ?? {}).filter(
        ([dep]) => entry.peerDependenciesMeta?.[dep]?.optional !== true,
      );
      visit(at, { ...Object.fromEntries(peers), ...entry.dependencies }, () => false);
      visit(at, entry.optionalDependencies ?? {}, () => true);
    }
  };
  visit("", manifest.dependencies, () => false);
  const packages: Lockfile["packages"] = {
    "": {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
      engines: manifest.engines,
    },
  };
  for (const at of [...kept.keys()].sort()) {
    // Everything kept is a production package now; npm recomputes these flags, but a stale "dev"
    // would make `npm ci --omit=dev` skip the package.
    const { dev: _dev, devOptional, ...entry } = kept.get(at) as LockedPackage;
    packages[at] = devOptional === true ? { ...entry, optional: true } : entry;
  }
  return { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages };
}
