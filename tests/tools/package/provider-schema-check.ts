/**
 * `node tests/tools/package/provider-schema-check.ts <path to .jsii>`: checks every resource and
 * data source of terraform/ against the google provider's schema as `@cdktf/provider-google`
 * ships it (its `.jsii` file, about 100 MB of JSON; 16.9.0 carries provider 6.47): each type exists,
 * each attribute and nested block is one the provider accepts, and every required one is set.
 * Without the provider (it cannot be downloaded here) this is the closest offline stand-in for
 * `terraform validate`. Get the file with `npm pack @cdktf/provider-google@16.9.0` and
 * `tar xzf cdktf-provider-google-16.9.0.tgz package/.jsii`.
 */
import { readFileSync } from "node:fs";
import { loadTerraform, type HclBody, type HclValue } from "./terraform-config.ts";

interface JsiiType {
  kind: string;
  interfaces?: string[];
  properties?: { name: string; optional?: boolean; type: JsiiTypeRef }[];
  docs?: { summary?: string };
}
type JsiiTypeRef = {
  fqn?: string;
  primitive?: string;
  collection?: { elementtype: JsiiTypeRef };
  union?: { types: JsiiTypeRef[] };
};

const META = new Set(["for_each", "count", "depends_on", "lifecycle", "provider"]);
const META_PROPERTIES = new Set([
  "dependsOn",
  "count",
  "forEach",
  "lifecycle",
  "provider",
  "connection",
  "provisioners",
]);
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function checkAgainstSchema(
  types: Record<string, JsiiType>,
  module: Awaited<ReturnType<typeof loadTerraform>>,
): string[] {
  const classes = new Map<string, string>();
  for (const [fqn, type] of Object.entries(types)) {
    const m = /docs\/(resources|data-sources)\/\w+ (google_\w+)\}/.exec(type.docs?.summary ?? "");
    if (m && type.kind === "class") classes.set(`${m[1] === "resources" ? "resource" : "data"} ${m[2]}`, fqn);
  }
  const properties = (fqn: string): Map<string, { optional?: boolean; type: JsiiTypeRef }> => {
    const type = types[fqn];
    const found = new Map<string, { optional?: boolean; type: JsiiTypeRef }>();
    for (const parent of type?.interfaces ?? []) for (const [k, v] of properties(parent)) found.set(k, v);
    for (const p of type?.properties ?? []) found.set(p.name, p);
    return found;
  };
  const struct = (ref: JsiiTypeRef | undefined): string | undefined => {
    if (ref?.fqn !== undefined) return types[ref.fqn]?.kind === "interface" ? ref.fqn : undefined;
    if (ref?.collection) return struct(ref.collection.elementtype);
    return ref?.union?.types.map(struct).find((f) => f !== undefined);
  };
  const problems: string[] = [];
  const check = (where: string, body: HclBody, fqn: string) => {
    const known = properties(fqn);
    const seen = new Set<string>();
    const visit = (name: string, value: HclValue) => {
      const property = known.get(camel(name));
      if (property === undefined) return void problems.push(`${where}: the provider has no "${name}"`);
      seen.add(camel(name));
      const nested = struct(property.type);
      if (nested !== undefined && Array.isArray(value)) {
        value.forEach((item, i) => check(`${where}.${name}[${i}]`, item as HclBody, nested));
      }
    };
    for (const [name, value] of Object.entries(body)) {
      if (name === "dynamic") {
        for (const [blockName, defs] of Object.entries(value as Record<string, HclBody[]>)) {
          for (const def of defs) visit(blockName, (def.content as HclValue) ?? []);
        }
      } else if (!META.has(name)) {
        visit(name, value);
      }
    }
    for (const [name, property] of known) {
      if (property.optional !== true && !seen.has(name) && !META_PROPERTIES.has(name)) {
        problems.push(`${where}: required "${name}" is not set`);
      }
    }
  };
  for (const [kind, blocks] of [
    ["resource", module.resources],
    ["data", module.data],
  ] as const) {
    for (const [type, byName] of Object.entries(blocks)) {
      const fqn = classes.get(`${kind} ${type}`);
      for (const [name, body] of Object.entries(byName)) {
        if (fqn === undefined) problems.push(`${kind} ${type}.${name}: not a type of this provider`);
        else check(`${type}.${name}`, body, `${fqn}Config`);
      }
    }
  }
  return problems;
}

const jsiiPath = process.argv[2];
if (jsiiPath === undefined) {
  console.error(
    "usage: node tests/tools/package/provider-schema-check.ts <path to @cdktf/provider-google/.jsii>",
  );
  process.exit(2);
}
const jsii = JSON.parse(readFileSync(jsiiPath, "utf8")) as { types: Record<string, JsiiType> };
const module = await loadTerraform();
const problems = checkAgainstSchema(jsii.types, module);
const count = Object.values(module.resources).reduce((n, byName) => n + Object.keys(byName).length, 0);
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exitCode = 1;
} else {
  console.log(
    `${count} resources of ${Object.keys(module.resources).length} types: every attribute known, every required one set`,
  );
}
