import { expect } from "vitest";
import { terraformBinary } from "../tools/package/terraform-console.ts";

/** Looked up once per test file: machines without Terraform skip only the evaluations. */
const terraform = terraformBinary();

/**
 * A test body that runs `check` with the terraform binary, or, where there is none, prints why it
 * could not and asserts exactly that (the structural checks of the same files run everywhere).
 */
export function withTerraform(check: (binary: string) => Promise<void>): () => Promise<void> {
  return async () => {
    if (terraform === undefined) {
      console.log("not evaluated with Terraform: no terraform binary on the PATH");
      expect(terraform).toBeUndefined();
      return;
    }
    await check(terraform);
  };
}
