import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadTerraform, TERRAFORM_DIR } from "../tools/package/terraform-config.ts";
import { terraformBinary } from "../tools/package/terraform-console.ts";

// The google provider cannot be downloaded on these machines, so `terraform validate` cannot run:
// what can be checked offline is that every file parses, and, where a terraform binary exists,
// that the files are formatted as `terraform fmt` writes them.

describe("terraform/ parses", () => {
  it("every .tf file, with the resources of a whole deployment", async () => {
    const module = await loadTerraform();
    expect(Object.keys(module.sources).length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(module.resources)).toEqual(
      expect.arrayContaining([
        "google_cloudfunctions2_function",
        "google_cloud_tasks_queue",
        "google_firestore_database",
        "google_pubsub_topic",
        "google_cloud_scheduler_job",
        "google_service_account",
      ]),
    );
  });

  it("a syntax error fails naming the file and the line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tf-parse-"));
    try {
      writeFileSync(path.join(dir, "broken.tf"), 'resource "google_pubsub_topic" "t" {\n  name = \n}\n');
      await expect(loadTerraform(dir)).rejects.toThrow(/broken\.tf:2,\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("terraform fmt", () => {
  const terraform = terraformBinary();
  it("-check -recursive passes where a terraform binary is on the PATH", () => {
    if (terraform === undefined) {
      console.log("terraform fmt -check not run: no terraform binary on the PATH (only parsing was checked)");
      expect(terraform).toBeUndefined();
      return;
    }
    const result = spawnSync(terraform, ["fmt", "-check", "-recursive", "-diff", TERRAFORM_DIR], {
      encoding: "utf8",
    });
    expect(result.status, `terraform fmt would change:\n${result.stdout}${result.stderr}`).toBe(0);
  });
});
