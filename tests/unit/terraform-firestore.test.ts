import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { COLLECTIONS } from "../../shared/store/collections.ts";
import { block, blocks, loadTerraform, type TerraformModule } from "../tools/package/terraform-config.ts";

// Firestore as deployed: indexes and TTL policies from the one firestore.indexes.json, and a TTL
// policy for exactly the collections whose documents the code gives an expiry.

interface IndexSpec {
  indexes: { collectionGroup: string; fields: { fieldPath: string; order?: string }[] }[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes?: unknown[] }[];
}
const spec = JSON.parse(readFileSync("firestore.indexes.json", "utf8")) as IndexSpec;

let module: TerraformModule;
beforeAll(async () => {
  module = await loadTerraform();
});

/**
 * Collections a store module writes an expiry into: modules under shared/store that set `expireAt`
 * to a Firestore Timestamp, with the COLLECTIONS they name.
 */
function collectionsWritingExpiry(): { file: string; collections: string[] }[] {
  const dir = "shared/store";
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => ({ file, text: readFileSync(path.join(dir, file), "utf8") }))
    .filter(({ text }) => /expireAt: (Timestamp\.fromMillis|ts)\(/.test(text))
    .map(({ file, text }) => ({
      file,
      collections: [...new Set([...text.matchAll(/COLLECTIONS\.(\w+)/g)].map((m) => m[1] as string))],
    }));
}

describe("Firestore", () => {
  it("Terraform reads the indexes and TTL fields from firestore.indexes.json", () => {
    expect(module.locals.firestore_spec).toBe(
      '${jsondecode(file("${path.module}/../firestore.indexes.json"))}',
    );
    expect(String(module.locals.firestore_indexes)).toMatch(/for index in local\.firestore_spec\.indexes :/);
    expect(String(module.locals.ttl_fields)).toMatch(
      /for override in local\.firestore_spec\.fieldOverrides :[\s\S]*if try\(override\.ttl, false\)/,
    );
    expect(module.resources.google_firestore_index?.composite?.for_each).toBe("${local.firestore_indexes}");
    expect(module.resources.google_firestore_field?.ttl?.for_each).toBe("${local.ttl_fields}");
  });

  it("each composite index keeps the file's collection, fields and order", () => {
    const index = module.resources.google_firestore_index?.composite;
    expect(index?.collection).toBe("${each.value.collectionGroup}");
    expect(blocks(index, "fields")).toEqual([
      {
        field_path: "${fields.value.fieldPath}",
        order: "${try(fields.value.order, null)}",
        array_config: "${try(fields.value.arrayConfig, null)}",
      },
    ]);
    // Keys are made of every field, so two indexes of one collection never collide.
    const keys = spec.indexes.map((i) =>
      [i.collectionGroup, ...i.fields.map((f) => `${f.fieldPath}:${f.order}`)].join(" "),
    );
    expect(new Set(keys).size).toBe(spec.indexes.length);
  });

  it("every TTL field is an expiry the code writes, and every expiry the code writes has a TTL policy", () => {
    const ttl = spec.fieldOverrides.filter((o) => o.ttl === true);
    expect(new Set(ttl.map((o) => o.fieldPath))).toEqual(new Set(["expireAt"]));
    const ttlCollections = ttl.map((o) => o.collectionGroup);
    const writers = collectionsWritingExpiry();
    for (const collection of ttlCollections) {
      expect(
        writers.some((w) => w.collections.includes(collection)),
        `${collection}: no module writes expireAt`,
      ).toBe(true);
    }
    for (const writer of writers) {
      expect(
        writer.collections.some((c) => ttlCollections.includes(c)),
        `${writer.file}: no TTL policy`,
      ).toBe(true);
    }
    expect(ttlCollections.every((c) => (Object.values(COLLECTIONS) as string[]).includes(c))).toBe(true);
  });

  it("a TTL field's single-field indexes follow the file (off, for a growing timestamp)", () => {
    const field = module.resources.google_firestore_field?.ttl;
    expect(block(field, "ttl_config")).toEqual({});
    expect(blocks(block(field, "index_config"), "indexes")).toHaveLength(1);
    expect(
      spec.fieldOverrides
        .filter((o) => o.ttl === true)
        .every((o) => Array.isArray(o.indexes) && o.indexes.length === 0),
    ).toBe(true);
  });

  it("the security rules come from firestore.rules", () => {
    const ruleset = module.resources.google_firebaserules_ruleset?.firestore;
    expect(block(block(ruleset, "source"), "files")).toEqual({
      name: "firestore.rules",
      content: '${file("${path.module}/../firestore.rules")}',
    });
    expect(module.resources.google_firebaserules_release?.firestore?.name).toBe("cloud.firestore");
  });
});
