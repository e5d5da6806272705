import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { decodeSubmission } from "../../shared/submission/submit-request.ts";
import { toJobView } from "../../shared/submission/job-view.ts";
import { successResponse } from "../../shared/submission/submission-outcome.ts";
import { pixfluxBody, TINY_PNG } from "../harness/fixtures.ts";
import { openApiChecker } from "../harness/openapi-check.ts";
import { testJob } from "../harness/seed-jobs.ts";

const doc = openApiDocument();
const checker = openApiChecker(doc);
type Operation = { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> };
const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })),
);

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("names each operation once, and documents every error as a problem but the framework's 400", () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || path === "/health") continue;
        if (status === "400" && path === "/v1/jobs") continue; // the Functions Framework's own
        expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual([
          "application/problem+json",
        ]);
      }
    }
  });

  const PNG = { base64: TINY_PNG };
  const requests: { name: string; body: unknown }[] = [
    { name: "pixflux", body: pixfluxBody("a knight") },
    {
      name: "pixflux with options",
      body: pixfluxBody("a knight", { seed: 4 }, { timeoutMs: 60_000, cache: "bypass" }),
    },
    {
      name: "bitforge",
      body: {
        operation: "generate-image-bitforge",
        input: { description: "a", image_size: { width: 64, height: 64 } },
      },
    },
    {
      name: "rotate",
      body: { operation: "rotate", input: { image_size: { width: 64, height: 64 }, from_image: PNG } },
    },
    {
      name: "animate-with-text",
      body: {
        operation: "animate-with-text",
        input: {
          image_size: { width: 64, height: 64 },
          description: "a",
          action: "walk",
          reference_image: PNG,
        },
      },
    },
    { name: "an unknown operation", body: { operation: "paint", input: {} } },
    { name: "no input", body: { operation: "rotate" } },
    { name: "an empty description", body: pixfluxBody("") },
    { name: "a size out of range", body: pixfluxBody("a", { image_size: { width: 8, height: 64 } }) },
    { name: "an unknown input field", body: pixfluxBody("a", { colour: "red" }) },
    { name: "an unknown envelope field", body: { ...pixfluxBody("a"), priority: "high" } },
    { name: "a bad cache option", body: pixfluxBody("a", {}, { cache: "maybe" }) },
    { name: "a timeout under 10 s", body: pixfluxBody("a", {}, { timeoutMs: 500 }) },
    { name: "a non-integer seed", body: pixfluxBody("a", { seed: 1.5 }) },
    { name: "a webhook", body: pixfluxBody("a", {}, { webhook: { url: "https://hooks.example.com/x" } }) },
    {
      name: "a webhook for some events, one repeated",
      body: pixfluxBody(
        "a",
        {},
        { webhook: { url: "https://h.example.com/", events: ["job.failed", "job.failed"] } },
      ),
    },
    { name: "a webhook that is not a URL", body: pixfluxBody("a", {}, { webhook: { url: "hooks" } }) },
    { name: "an ftp webhook", body: pixfluxBody("a", {}, { webhook: { url: "ftp://h.example.com/" } }) },
    {
      name: "a webhook for an unknown event",
      body: pixfluxBody("a", {}, { webhook: { url: "https://h.example.com/", events: ["job.started"] } }),
    },
    {
      name: "a webhook for no event",
      body: pixfluxBody("a", {}, { webhook: { url: "https://h.example.com/", events: [] } }),
    },
    {
      name: "a webhook with an unknown field",
      body: pixfluxBody("a", {}, { webhook: { url: "https://h.example.com/", secret: "x" } }),
    },
  ];
  it.each(requests)("agrees with the API's validation: $name", ({ body }) => {
    expect(checker.submitRequestValid(body)).toBe(decodeSubmission(body).ok);
  });

  it("documents the answers the server builds (submit, job view, page)", () => {
    const queued = toJobView(testJob());
    const done = toJobView(
      testJob({
        status: "completed",
        attempts: 1,
        startedAt: Date.now() - 2_000,
        finishedAt: Date.now(),
        progress: { stage: "done", percent: 100 },
        result: { images: [{ base64: TINY_PNG, width: 1, height: 1, format: "png" }], usage: null },
      }),
    );
    const answers = [
      successResponse({ kind: "accepted", view: queued, position: 3, estimatedWaitMs: 900 }),
      successResponse({ kind: "cached", view: done }),
      successResponse({ kind: "deduplicated", view: queued }),
      successResponse({ kind: "deduplicated", view: done }),
    ];
    for (const answer of answers) {
      expect(checker.check("/v1/jobs", "POST", answer.status, "application/json", answer.body)).toEqual([]);
    }
    expect(checker.check("/v1/jobs/{jobId}", "GET", 200, "application/json", done)).toEqual([]);
    const page = { jobs: [queued, done], nextCursor: null };
    expect(checker.check("/v1/jobs", "GET", 200, "application/json", page)).toEqual([]);
    // And a drifted answer is caught: an undocumented field, a missing one.
    expect(
      checker.check("/v1/jobs/{jobId}", "GET", 200, "application/json", { ...done, colour: 1 }),
    ).not.toEqual([]);
    const { status: _status, ...noStatus } = queued;
    expect(checker.check("/v1/jobs/{jobId}", "GET", 200, "application/json", noStatus)).not.toEqual([]);
  });
});
