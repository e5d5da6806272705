import { describe, expect, it } from "vitest";
import { estimatedBytes } from "../../shared/store/job-document.ts";

describe("estimatedBytes follows Firestore's storage size rules", () => {
  it.each([
    ["a string: UTF-8 bytes + 1", "héllo", 7],
    ["a number: 8", 0, 8],
    ["a boolean: 1", true, 1],
    ["null: 1", null, 1],
    ["an array: the sum of its values", [0, 0, 0], 24],
    ["a map: names + 1 and values", { x: 0, label: "NOSE" }, 2 + 8 + 6 + 5],
    [
      "nested: 1,000 keypoints cost 8 bytes per coordinate, not 1",
      Array(1000).fill({ x: 0, y: 0 }),
      1000 * 20,
    ],
  ])("%s", (_name, value, bytes) => {
    expect(estimatedBytes(value)).toBe(bytes);
  });
});
