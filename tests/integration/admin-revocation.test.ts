import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { getAuth } from "firebase-admin/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHandler } from "../../functions/api.ts";
import { InvalidTokenError, type IdTokenVerifier } from "../../shared/ports/id-token-verifier.ts";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import {
  emulatorTokenVerifier,
  harnessFirebaseApp,
  idTokenAuthTime,
  signInAgain,
  signUpPasswordAdmin,
  unreachableAuthVerifier,
} from "../harness/auth-users.ts";
import { freePort } from "../harness/free-port.ts";
import { call } from "../harness/http-client.ts";
import { uniqueName } from "../harness/isolation.ts";
import { waitFor } from "../harness/wait-for.ts";

const ADMIN_PATH = "/v1/admin/dead-letters";

describe("admin routes refuse revoked tokens", () => {
  let rig: ApiRig;
  const servers: Server[] = [];
  const auth = () => getAuth(harnessFirebaseApp());

  /** The rig's very runtime (same Firestore, queue and limits) served again with another verifier. */
  async function serveWith(verifier: IdTokenVerifier): Promise<string> {
    const name = uniqueName("api-auth");
    functions.http(name, createApiHandler({ ...rig.runtime, auth: verifier }));
    const server: Server = getTestServer(name);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /**
   * Revocation is second-granular: Auth refuses tokens whose `auth_time` is *before* the second the
   * tokens were revoked in, so revoking within the sign-in second would revoke nothing. Wait for the
   * clock to pass that second first (at most 1 s).
   */
  async function revokeAfterSignIn(uid: string, idToken: string) {
    const authTime = idTokenAuthTime(idToken);
    await waitFor(() => Math.floor(Date.now() / 1000) > authTime, {
      description: "the sign-in second to pass",
    });
    await auth().revokeRefreshTokens(uid);
  }

  beforeAll(async () => {
    rig = await startApiRig();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await rig.close();
  });

  it("removing the admin claim and revoking the tokens refuses the old token at once (401), the new one 403", async () => {
    const operator = await signUpPasswordAdmin();
    expect((await call(rig.url, "GET", ADMIN_PATH, { token: operator.idToken })).status).toBe(200);

    await auth().setCustomUserClaims(operator.uid, null);
    await revokeAfterSignIn(operator.uid, operator.idToken);

    const revoked = await call(rig.url, "GET", ADMIN_PATH, { token: operator.idToken });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(revoked.body).toMatchObject({ type: "/problems/unauthorized", status: 401 });
    expect(revoked.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const fresh = await signInAgain(operator);
    const forbidden = await call(rig.url, "GET", ADMIN_PATH, { token: fresh.idToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ type: "/problems/forbidden" });
  });

  it("asks for the revocation check on admin routes only (production firebase-admin checks only when asked)", async () => {
    // The Auth emulator makes firebase-admin check revocation on every verification, asked or not,
    // so the test above cannot tell which routes ask. This verifier adds production's rule on top of
    // the emulator's: a token of a user in `revoked` fails only a check that asks for revocation.
    const revoked = new Set<string>();
    const real = emulatorTokenVerifier();
    const url = await serveWith({
      async verify(idToken, options) {
        const caller = await real.verify(idToken, options);
        if (options?.checkRevoked === true && revoked.has(caller.uid)) {
          throw new InvalidTokenError("auth/id-token-revoked");
        }
        return caller;
      },
    });
    const operator = await signUpPasswordAdmin();
    expect((await call(url, "GET", ADMIN_PATH, { token: operator.idToken })).status).toBe(200);
    revoked.add(operator.uid);

    const admin = await call(url, "GET", ADMIN_PATH, { token: operator.idToken });
    expect(admin.status).toBe(401);
    expect(admin.body).toMatchObject({ type: "/problems/unauthorized" });
    // Ordinary routes keep the cheap local check: a revoked token works there until it expires (≤ 1 h).
    const ordinary = await call(url, "GET", "/v1/jobs", { token: operator.idToken });
    expect(ordinary.status).toBe(200);
  });

  it("an Auth outage during the check answers 503 with Retry-After, not 401", async () => {
    const url = await serveWith(unreachableAuthVerifier(`127.0.0.1:${await freePort()}`));
    const operator = await signUpPasswordAdmin();
    const res = await call(url, "GET", ADMIN_PATH, { token: operator.idToken });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ type: "/problems/unavailable" });
    expect(res.headers.get("retry-after")).toBe("1");
  });
});
