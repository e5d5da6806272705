import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { referenceRows } from "../../shared/web/api-reference-view.ts";

describe("the API reference page's rows", () => {
  const rows = referenceRows(openApiDocument());
  const find = (route: string) => rows.find((r) => `${r.method} ${r.path}` === route);

  it.each([
    { route: "POST /v1/jobs", access: "user", parameter: "Idempotency-Key (header)", status: "429" },
    { route: "GET /v1/jobs/{jobId}", access: "user", parameter: "jobId (path, required)", status: "304" },
    { route: "GET /openapi.json", access: "public", parameter: undefined, status: "200" },
    {
      route: "POST /v1/admin/dead-letters/{jobId}/retry",
      access: "operator",
      parameter: "jobId (path, required)",
      status: "403",
    },
  ])("$route: $access", ({ route, access, parameter, status }) => {
    const row = find(route);
    expect(row?.access).toBe(access);
    if (parameter !== undefined) expect(row?.parameters).toContain(parameter);
    expect(row?.responses.some((r) => r.startsWith(`${status}: `))).toBe(true);
  });

  it("lists each webhook the queue sends, for the receiver, with its signature headers", () => {
    const row = find("WEBHOOK job.completed");
    expect(row?.access).toBe("receiver");
    expect(row?.parameters).toEqual([
      "webhook-id (header, required)",
      "webhook-timestamp (header, required)",
      "webhook-signature (header, required)",
    ]);
    expect(rows.filter((r) => r.method === "WEBHOOK").map((r) => r.path)).toEqual([
      "job.completed",
      "job.failed",
      "job.cancelled",
    ]);
  });

  it("lists every operation of the document once", () => {
    const doc = openApiDocument();
    const paths = { ...(doc.paths as object), ...(doc.webhooks as object) } as Record<
      string,
      Record<string, unknown>
    >;
    const count = Object.values(paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(rows).toHaveLength(count);
    expect(new Set(rows.map((r) => `${r.method} ${r.path}`)).size).toBe(count);
  });
});
