import { describe, expect, it } from "vitest";
import { estimatedBytes, MAX_DOCUMENT_BYTES } from "../../shared/store/job-document.ts";
import { decodeSubmission } from "../../shared/submission/submit-request.ts";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FIRESTORE_DOCUMENT_LIMIT = 1_048_576;

const keypoints = (count: number, label = "NOSE") =>
  Array.from({ length: count }, () => ({ x: 0, y: 0, label }));
const bitforge = (input: Record<string, unknown>) => ({
  operation: "generate-image-bitforge",
  input: { description: "a pose", image_size: { width: 64, height: 64 }, ...input },
});

/** A value's stored size by Firestore's documented rules (strings UTF-8 + 1, numbers 8, names + 1). */
function firestoreBytes(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "number") return 8;
  if (typeof value === "string") return Buffer.byteLength(value, "utf8") + 1;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + firestoreBytes(v), 0);
  return Object.entries(value as object).reduce(
    (sum, [name, v]) => sum + Buffer.byteLength(name, "utf8") + 1 + firestoreBytes(v),
    0,
  );
}

// Regression (issue 12, found by tests/integration/submit-properties.test.ts): bitforge's
// skeleton_keypoints had no bound. 22,400 keypoints (a 650 KB body) passed the job size estimate (JSON
// length, about 41 bytes a keypoint) but not Firestore's 1 MiB (47 bytes a keypoint): every attempt
// was answered 503 "could not be queued" instead of a refusal.
describe("decodeSubmission: bitforge skeleton_keypoints", () => {
  it.each([
    { name: "none", count: 0 },
    { name: "one skeleton", count: 18 },
    { name: "the bound", count: 1_000 },
  ])("accepts $name ($count keypoints)", ({ count }) => {
    expect(decodeSubmission(bitforge({ skeleton_keypoints: keypoints(count) })).ok).toBe(true);
  });

  it.each([
    { name: "one over the bound", count: 1_001 },
    { name: "the count that failed the Firestore write", count: 22_400 },
  ])("refuses $name ($count keypoints) at the field", ({ count }) => {
    const decoded = decodeSubmission(bitforge({ skeleton_keypoints: keypoints(count) }));
    expect(decoded.ok ? [] : decoded.errors.map((e) => e.path)).toEqual(["input.skeleton_keypoints"]);
  });

  it("keeps the largest accepted input, keypoints beside an image at the size estimate's limit, inside a Firestore document", () => {
    const points = keypoints(1_000, "RIGHT SHOULDER");
    const probe = decodeSubmission(bitforge({ skeleton_keypoints: points }));
    if (!probe.ok) throw new Error("the probe must be valid");
    // Fill up to the estimate's limit (MAX_DOCUMENT_BYTES - 50_000, as submitJob checks) with an image.
    const room = MAX_DOCUMENT_BYTES - 50_000 - estimatedBytes(probe.request.input) - 100;
    const image = Buffer.concat([PNG_MAGIC, Buffer.alloc(Math.floor((room * 3) / 4))]).toString("base64");
    const decoded = decodeSubmission(bitforge({ skeleton_keypoints: points, init_image: { base64: image } }));
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors));

    expect(estimatedBytes(decoded.request.input)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES - 50_000);
    // The job's own fields (ids, status, timestamps, progress) take well under 10 KB.
    expect(firestoreBytes(decoded.request.input) + 10_000).toBeLessThan(FIRESTORE_DOCUMENT_LIMIT);
  });
});
