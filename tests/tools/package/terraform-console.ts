import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";
import { TERRAFORM_DIR, type HclValue, type TerraformModule } from "./terraform-config.ts";

/** A `terraform` on the PATH that answers `terraform version`, or undefined. */
export function terraformBinary(): string | undefined {
  return spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0 ? "terraform" : undefined;
}

/** HCL text for a value hcl2json produced: a whole `${expr}` becomes the bare expression. */
function hcl(value: HclValue): string {
  if (typeof value === "string") {
    const whole = /^\$\{([\s\S]*)\}$/.exec(value);
    const inner = whole?.[1];
    // A template with one interpolation that spans the whole string is just that expression.
    if (inner !== undefined && !inner.includes("}${") && !/^[^{]*\}/.test(inner)) return inner;
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(hcl).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{\n${Object.entries(value)
      .map(([k, v]) => `  ${k} = ${hcl(v)}`)
      .join("\n")}\n}`;
  }
  return JSON.stringify(value);
}

interface ScratchOptions {
  locals: string[];
  /** Values for locals that refer to resources, which the scratch module does not have. */
  overrides?: Record<string, HclValue>;
  vars?: Record<string, string>;
}

/**
 * Runs terraform in a scratch module holding the configuration's variable files verbatim and the
 * chosen locals (no resources, so no provider is needed and nothing needs `terraform init`), with
 * `${path.module}` pointing at terraform/.
 */
async function inScratchModule(
  terraform: string,
  module: TerraformModule,
  options: ScratchOptions,
  args: string[],
  input = "",
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "tf-scratch-"));
  try {
    for (const [file, text] of Object.entries(module.sources)) {
      const doc = (await parse(file, text)) as Record<string, unknown>;
      if (Object.keys(doc).every((kind) => kind === "variable")) writeFileSync(path.join(dir, file), text);
    }
    const locals = options.locals.map((name) => {
      const value = options.overrides?.[name] ?? module.locals[name];
      if (value === undefined) throw new Error(`no local ${name}`);
      return `  ${name} = ${hcl(value).replaceAll("${path.module}", TERRAFORM_DIR)}`;
    });
    writeFileSync(path.join(dir, "locals.tf"), `locals {\n${locals.join("\n")}\n}\n`);
    const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["-var", `${k}=${v}`]);
    const result = spawnSync(terraform, [...args, ...vars], {
      cwd: dir,
      input,
      encoding: "utf8",
      env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Terraform's value of `expression` (`terraform console`, which does not run validations). */
export async function terraformConsole(
  terraform: string,
  module: TerraformModule,
  options: ScratchOptions & { expression: string },
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const result = await inScratchModule(
    terraform,
    module,
    options,
    ["console"],
    `jsonencode(${options.expression})\n`,
  );
  if (result.status !== 0) return { ok: false, error: `${result.stdout}${result.stderr}` };
  const printed = result.stdout.trim().split("\n").at(-1) ?? "";
  return { ok: true, value: JSON.parse(JSON.parse(printed) as string) };
}

/** Whether `terraform plan` accepts these variable values: it runs every validation, reporting all failures. */
export async function terraformPlanVariables(
  terraform: string,
  module: TerraformModule,
  vars: Record<string, string>,
): Promise<{ ok: boolean; output: string }> {
  const result = await inScratchModule(terraform, module, { locals: [], vars }, [
    "plan",
    "-input=false",
    "-no-color",
    "-lock=false",
  ]);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
