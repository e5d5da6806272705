import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpAdmin, signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call, type TestResponse } from "../harness/http-client.ts";
import { openApiChecker } from "../harness/openapi-check.ts";
import { seedCachedResult } from "../harness/seed-jobs.ts";

/**
 * The served contract matches the implementation: `GET /openapi.json` is the document, every
 * documented route answers, and real answers of the emulator-backed API (every status a client
 * must handle) validate against the schema documented for their route, method and status.
 */
const checker = openApiChecker();
let rig: ApiRig;
let full: ApiRig;
let limited: ApiRig;
let spending: ApiRig;
let user: TestUser;

beforeAll(async () => {
  // A per-user limit of 2 reaches 429 quickly; a second project with room for one job reaches 503.
  rig = await startApiRig({ env: { USER_ACTIVE_JOB_LIMIT: "2" } });
  limited = await startApiRig({ env: { USER_SUBMIT_RATE_PER_MIN: "1" } });
  spending = await startApiRig({ env: { USER_DAILY_SPEND_USD: "0.05", SPEND_HOLD_USD: "0.05" } });
  full = await startApiRig({ env: { QUEUE_CAPACITY: "1", QUEUE_WARNING_THRESHOLD: "1" } });
  user = await signUpUser();
});
afterAll(() => Promise.all([rig?.close(), full?.close(), limited?.close(), spending?.close()]));

/** Asserts the status, then that the answer is the documented one for it. */
function conforms(response: TestResponse, template: string, method: string, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const type = response.headers.get("content-type") ?? "";
  const text = response.bytes.length > 0 ? response.bytes.toString("utf8") : undefined;
  const body = type.includes("json") ? response.body : text;
  expect(checker.check(template, method, status, type, body)).toEqual([]);
}
const submit = (json: unknown, token = user.idToken, base = rig.url) =>
  call(base, "POST", "/v1/jobs", { token, json });

describe("the OpenAPI contract, against the running API", () => {
  it("GET /openapi.json serves the document without credentials", async () => {
    const served = await call(rig.url, "GET", "/openapi.json");
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    conforms(served, "/openapi.json", "GET", 200);
  });

  it("every documented route answers (none is the router's unknown route)", async () => {
    const admin = await signUpAdmin();
    const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
    for (const [template, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        const path = template.replace("{jobId}", "nosuchjob");
        const withBody = method === "post" ? { json: {} } : {};
        const response = await call(rig.url, method.toUpperCase(), path, {
          token: admin.idToken,
          ...withBody,
        });
        const body = response.body as { detail?: string } | undefined;
        expect(body?.detail ?? "", `${method} ${template}`).not.toMatch(/^No route/);
        expect(response.status, `${method} ${template}`).not.toBe(405);
      }
    }
  });

  it("202, 304, 404, 409, 422 and 429 of the job routes", async () => {
    const accepted = await submit(pixfluxBody("a contract knight"));
    conforms(accepted, "/v1/jobs", "POST", 202);
    const jobId = (accepted.body as { jobId: string }).jobId;
    conforms(await submit(pixfluxBody("a contract knight")), "/v1/jobs", "POST", 202); // its duplicate
    const read = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: user.idToken });
    conforms(read, "/v1/jobs/{jobId}", "GET", 200);
    const etag = read.headers.get("etag") ?? "";
    const unchanged = await call(rig.url, "GET", `/v1/jobs/${jobId}`, {
      token: user.idToken,
      headers: { "if-none-match": etag },
    });
    conforms(unchanged, "/v1/jobs/{jobId}", "GET", 304);
    conforms(
      await call(rig.url, "GET", "/v1/jobs/nosuchjob", { token: user.idToken }),
      "/v1/jobs/{jobId}",
      "GET",
      404,
    );
    const early = await call(rig.url, "GET", `/v1/jobs/${jobId}/result`, { token: user.idToken });
    conforms(early, "/v1/jobs/{jobId}/result", "GET", 409);
    conforms(await call(rig.url, "GET", "/v1/jobs?limit=2", { token: user.idToken }), "/v1/jobs", "GET", 200);
    conforms(await call(rig.url, "GET", "/v1/jobs?limit=0", { token: user.idToken }), "/v1/jobs", "GET", 422);
    conforms(await submit(pixfluxBody("")), "/v1/jobs", "POST", 422);
    conforms(await submit(pixfluxBody("a second contract job")), "/v1/jobs", "POST", 202);
    conforms(await submit(pixfluxBody("one too many")), "/v1/jobs", "POST", 429);
    const atRate = (d: string) =>
      call(limited.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(d) });
    conforms(await atRate("the minute's one"), "/v1/jobs", "POST", 202);
    const overRate = await atRate("over the rate");
    conforms(overRate, "/v1/jobs", "POST", 429);
    expect(overRate.body).toMatchObject({ limitName: "submissions-per-minute" });
    const spend = (d: string) =>
      call(spending.url, "POST", "/v1/jobs", { token: user.idToken, json: pixfluxBody(d) });
    conforms(await spend("the day's one"), "/v1/jobs", "POST", 202);
    const overBudget = await spend("over the budget");
    conforms(overBudget, "/v1/jobs", "POST", 429);
    expect(overBudget.body).toMatchObject({ limitName: "daily-spend-usd", limit: 0.05, spentUsd: 0.05 });
    conforms(
      await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken }),
      "/v1/jobs/{jobId}",
      "DELETE",
      200,
    );
    conforms(
      await call(rig.url, "DELETE", `/v1/jobs/${jobId}`, { token: user.idToken }),
      "/v1/jobs/{jobId}",
      "DELETE",
      409,
    );
  });

  it("200 from the cache, 400, 401, 413, 415 and 503 (queue full)", async () => {
    const body = pixfluxBody("a contract chest, cached", { seed: 3 });
    await seedCachedResult(rig.runtime.firestore, body);
    const other = await signUpUser();
    conforms(await submit(body, other.idToken), "/v1/jobs", "POST", 200);
    conforms(await call(rig.url, "GET", "/v1/jobs"), "/v1/jobs", "GET", 401);
    const huge = await call(rig.url, "POST", "/v1/jobs", {
      token: other.idToken,
      rawBody: JSON.stringify(pixfluxBody("x".repeat(3 * 1024 * 1024))),
      headers: { "content-type": "application/json" },
    });
    conforms(huge, "/v1/jobs", "POST", 413);
    const text = await call(rig.url, "POST", "/v1/jobs", {
      token: other.idToken,
      rawBody: "a knight",
      headers: { "content-type": "text/plain" },
    });
    conforms(text, "/v1/jobs", "POST", 415);
    const broken = await call(rig.url, "POST", "/v1/jobs", {
      token: other.idToken,
      rawBody: '{"operation": ',
      headers: { "content-type": "application/json" },
    });
    conforms(broken, "/v1/jobs", "POST", 400);
    const first = await signUpUser();
    conforms(await submit(pixfluxBody("fills the queue"), first.idToken, full.url), "/v1/jobs", "POST", 202);
    const refused = await submit(pixfluxBody("finds it full"), other.idToken, full.url);
    conforms(refused, "/v1/jobs", "POST", 503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("the webhook secret routes, a job with a webhook, and a refused webhook URL", async () => {
    const owner = await signUpUser();
    const read = await call(rig.url, "GET", "/v1/webhook-secret", { token: owner.idToken });
    conforms(read, "/v1/webhook-secret", "GET", 200);
    const rotated = await call(rig.url, "POST", "/v1/webhook-secret/rotate", { token: owner.idToken });
    conforms(rotated, "/v1/webhook-secret/rotate", "POST", 200);
    conforms(await call(rig.url, "GET", "/v1/webhook-secret"), "/v1/webhook-secret", "GET", 401);
    const webhook = { url: "https://93.184.215.14/hook", events: ["job.completed"] };
    const accepted = await submit(pixfluxBody("a contract webhook", {}, { webhook }), owner.idToken);
    conforms(accepted, "/v1/jobs", "POST", 202);
    const jobId = (accepted.body as { jobId: string }).jobId;
    const job = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: owner.idToken });
    conforms(job, "/v1/jobs/{jobId}", "GET", 200);
    expect(job.body).toMatchObject({ webhook: { ...webhook, deliveries: [] } });
    const refused = await submit(
      pixfluxBody("a refused webhook", {}, { webhook: { url: "https://10.1.1.1/" } }),
      owner.idToken,
    );
    conforms(refused, "/v1/jobs", "POST", 422);
  });
});
