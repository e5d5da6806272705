import { describe, expect, it } from "vitest";
import { decodeSubmission } from "../../shared/submission/submit-request.ts";

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const image = { base64: PNG };
const size = { image_size: { width: 64, height: 64 } };

const body = (operation: string, input: Record<string, unknown>) => ({ operation, input });
const pixflux = (input: Record<string, unknown>) =>
  body("generate-image-pixflux", { description: "a knight", ...size, ...input });

// Regression (issue 12, found by tests/integration/submit-properties.test.ts): a text field holding
// an unpaired surrogate passed validation, then Firestore refused the job document (a lone surrogate
// has no UTF-8 form) and every retry of the request was answered 503 "could not be queued". It also
// hashed into the cache key as U+FFFD, so two different texts shared one cache entry.
describe("decodeSubmission: text must be well-formed Unicode", () => {
  it.each([
    {
      name: "pixflux description, lone high surrogate",
      json: pixflux({ description: "a \ud83d knight" }),
      path: "input.description",
    },
    {
      name: "pixflux negative text, lone low surrogate",
      json: pixflux({ negative_description: "\udc00" }),
      path: "input.negative_description",
    },
    {
      name: "bitforge description, reversed pair",
      json: body("generate-image-bitforge", { description: "\ude00\ud83d", ...size }),
      path: "input.description",
    },
    {
      name: "animate action, surrogate at the end",
      json: body("animate-with-text", {
        ...size,
        description: "a knight",
        action: "walk \ud800",
        reference_image: image,
      }),
      path: "input.action",
    },
  ])("refuses $name with a problem at the field", ({ json, path }) => {
    const decoded = decodeSubmission(json);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? [] : decoded.errors).toContainEqual({
      path,
      message: expect.stringContaining("Unicode"),
    });
  });

  it.each([
    { name: "an astral character (a whole surrogate pair)", description: "a 🐉 dragon" },
    { name: "U+FFFD itself", description: "a \ufffd knight" },
    { name: "non-Latin scripts", description: "龍 дракон تنين" },
  ])("accepts $name", ({ description }) => {
    expect(decodeSubmission(pixflux({ description })).ok).toBe(true);
  });
});
