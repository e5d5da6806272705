import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidAppCheckTokenError, type AppCheckVerifier } from "../../shared/ports/app-check-verifier.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpAdmin, signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call } from "../harness/http-client.ts";

/**
 * `APP_CHECK=required` on the emulator-backed API. Google ships no App Check emulator and its keys
 * are out of reach here, so one rig runs firebase-admin's own verifier (which refuses a malformed
 * token before it needs any key) and one a verifier of ours that knows a single token, standing in
 * for Google's keys to show what a verified request gets.
 */
describe("App Check on the job routes", () => {
  let real: ApiRig;
  let known: ApiRig;
  let user: TestUser;
  const seen: string[] = [];
  const oneToken: AppCheckVerifier = {
    async verify(token) {
      seen.push(token);
      if (token !== "a-verified-app-check-token")
        throw new InvalidAppCheckTokenError("app-check/invalid-argument", "unknown");
      return { appId: "1:123:web:abc" };
    },
  };
  beforeAll(async () => {
    [real, known, user] = await Promise.all([
      startApiRig({ env: { APP_CHECK: "required" } }),
      startApiRig({ env: { APP_CHECK: "required" }, appCheck: oneToken }),
      signUpUser(),
    ]);
  });
  afterAll(() => Promise.all([real?.close(), known?.close()]));

  const jobsOf = async (rig: ApiRig) =>
    (await rig.runtime.firestore.collection("jobs").where("userId", "==", user.uid).get()).size;

  it("refuses a submission without a token, or with a malformed one, with 401 and creates nothing", async () => {
    const missing = await call(real.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("no app"),
    });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ type: "/problems/app-check-failed" });
    const malformed = await call(real.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("a forged app"),
      headers: { "x-firebase-appcheck": "not-a-jwt" },
    });
    expect(malformed.status).toBe(401);
    expect(malformed.body).toMatchObject({
      type: "/problems/app-check-failed",
      detail: "The App Check token is invalid or expired; get a fresh one.",
    });
    expect(await jobsOf(real)).toBe(0);
    expect(await real.listTasks()).toHaveLength(0);
    const read = await call(real.url, "GET", "/v1/jobs", { token: user.idToken });
    expect(read.status).toBe(401);
  });

  it("lets a verified app's request through, and checks the ID token as before", async () => {
    const headers = { "x-firebase-appcheck": "a-verified-app-check-token" };
    const accepted = await call(known.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody("an app's knight"),
      headers,
    });
    expect(accepted.status).toBe(202);
    expect(seen).toContain("a-verified-app-check-token");
    expect(await jobsOf(known)).toBe(1);
    const noUser = await call(known.url, "POST", "/v1/jobs", { json: pixfluxBody("nobody"), headers });
    expect(noUser.status).toBe(401);
    expect(noUser.body).toMatchObject({ type: "/problems/unauthorized" });
  });

  it("leaves the operator, health and contract routes to their own checks", async () => {
    const admin = await signUpAdmin();
    expect((await call(real.url, "GET", "/v1/admin/queue", { token: admin.idToken })).status).toBe(200);
    expect((await call(real.url, "GET", "/healthz")).status).toBe(200);
    expect((await call(real.url, "GET", "/openapi.json")).status).toBe(200);
  });

  it("asks browsers to send the header (CORS)", async () => {
    const preflight = await call(real.url, "OPTIONS", "/v1/jobs", {
      headers: { origin: "https://example.test", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-headers")).toContain("X-Firebase-AppCheck");
  });
});
