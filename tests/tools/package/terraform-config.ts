import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";

/**
 * A Terraform module as `@cdktf/hcl2json` reads it: attribute values are JSON scalars, objects, or
 * expression strings such as `"${var.region}"`; every block is an array of bodies.
 */
export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };
export type HclBody = { [key: string]: HclValue };

export interface TerraformModule {
  /** `resource "type" "name" {…}` → resources[type][name]. */
  resources: Record<string, Record<string, HclBody>>;
  data: Record<string, Record<string, HclBody>>;
  variables: Record<string, HclBody>;
  /** Every `locals` block merged. */
  locals: Record<string, HclValue>;
  outputs: Record<string, HclBody>;
  /** Each file's text, for checks over the whole configuration. */
  sources: Record<string, string>;
}

export const TERRAFORM_DIR = path.resolve("terraform");

type Blocks = Record<string, Record<string, HclBody[]>>;

/**
 * Parses every `.tf` file of `dir`. A syntax error fails with the file, line and column
 * (hcl2json's own message: `parse config: [functions.tf:12,5-6: …]`).
 */
export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TerraformModule> {
  const module: TerraformModule = {
    resources: {},
    data: {},
    variables: {},
    locals: {},
    outputs: {},
    sources: {},
  };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".tf"))
    .sort()) {
    const text = readFileSync(path.join(dir, file), "utf8");
    module.sources[file] = text;
    const doc = (await parse(file, text)) as {
      resource?: Blocks;
      data?: Blocks;
      variable?: Record<string, HclBody[]>;
      locals?: Record<string, HclValue>[];
      output?: Record<string, HclBody[]>;
    };
    for (const [kind, target] of [
      ["resource", module.resources],
      ["data", module.data],
    ] as const) {
      for (const [type, byName] of Object.entries(doc[kind] ?? {})) {
        for (const [name, bodies] of Object.entries(byName)) (target[type] ??= {})[name] = first(bodies);
      }
    }
    for (const [name, bodies] of Object.entries(doc.variable ?? {})) module.variables[name] = first(bodies);
    for (const [name, bodies] of Object.entries(doc.output ?? {})) module.outputs[name] = first(bodies);
    for (const block of doc.locals ?? []) Object.assign(module.locals, block);
  }
  return module;
}

function first(bodies: HclBody[]): HclBody {
  const body = bodies[0];
  if (body === undefined) throw new Error("empty block");
  return body;
}

/** The first (only) body of a nested block such as `service_config`, or undefined. */
export function block(body: HclBody | undefined, name: string): HclBody | undefined {
  const value = body?.[name];
  return Array.isArray(value) ? (value[0] as HclBody | undefined) : undefined;
}

/** Every body of a nested block, static and `dynamic "name" { content {…} }` alike. */
export function blocks(body: HclBody | undefined, name: string): HclBody[] {
  const direct = body?.[name];
  const dynamic = (body?.dynamic as Record<string, HclBody[]> | undefined)?.[name] ?? [];
  return [
    ...(Array.isArray(direct) ? (direct as HclBody[]) : []),
    ...dynamic.flatMap((d) => (d.content as HclBody[] | undefined) ?? []),
  ];
}

/**
 * Evaluates the plain references of a Terraform string, the only expressions the checks need:
 * `${var.x}`, `${local.x}`, `${local.x.y.z}`, literal text around them, and any other whole
 * expression looked up in `known` (e.g. a resource attribute with a sample value). Anything else
 * throws, naming the expression, so a check never silently reads an expression it cannot follow.
 */
export function evaluate(
  value: HclValue,
  scope: {
    variables: Record<string, HclValue>;
    locals: Record<string, HclValue>;
    known?: Record<string, HclValue>;
  },
): HclValue {
  if (typeof value !== "string") return value;
  const whole = /^\$\{([^${}]+)\}$/.exec(value);
  const lookup = (expression: string): HclValue => {
    const known = scope.known?.[expression];
    if (known !== undefined) return known;
    const [root, name, ...fields] = expression.split(".");
    const table = root === "var" ? scope.variables : root === "local" ? scope.locals : undefined;
    if (table === undefined || name === undefined || !(name in table)) {
      throw new Error(`cannot evaluate \${${expression}}`);
    }
    let result = evaluate(table[name] as HclValue, scope);
    for (const field of fields) result = (result as Record<string, HclValue>)[field] as HclValue;
    return result;
  };
  if (whole?.[1] !== undefined) return lookup(whole[1].trim());
  return value.replace(/\$\{([^${}]+)\}/g, (_, expression: string) => String(lookup(expression.trim())));
}

/** Each variable's default (absent means required; `null` means unset). */
export function variableDefaults(module: TerraformModule): Record<string, HclValue> {
  return Object.fromEntries(
    Object.entries(module.variables)
      .filter(([, body]) => "default" in body)
      .map(([name, body]) => [name, body.default as HclValue]),
  );
}
