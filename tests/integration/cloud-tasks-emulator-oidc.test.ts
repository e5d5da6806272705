import { createRemoteJWKSet, decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecordingTarget, startTestRig, type TestRig } from "../tools/cloud-tasks-emulator/testing.ts";
import { uniqueName } from "../harness/isolation.ts";

const SERVICE_ACCOUNT = "tasks-invoker@demo-cloud-tasks.iam.gserviceaccount.com";

// A handler verifies the emulator's OIDC tokens with a standard JWT library, exactly as it would
// verify Google's: discovery document → JWKS → signature, issuer and audience.
describe("Cloud Tasks emulator: OIDC tokens", () => {
  let rig: TestRig;
  const location = "projects/demo-cloud-tasks/locations/us-central1";

  beforeAll(async () => {
    rig = await startTestRig();
  });
  afterAll(async () => {
    await rig.stop();
  });

  async function bearerFor(
    oidcToken: Record<string, string>,
    testRig = rig,
  ): Promise<{ token: string; url: string }> {
    const target = await startRecordingTarget();
    const queue = `${location}/queues/${uniqueName("oidc")}`;
    await testRig.client.createQueue({ parent: location, queue: { name: queue } });
    const url = `${target.url}/handle`;
    await testRig.client.createTask({
      parent: queue,
      task: { httpRequest: { url, headers: { Authorization: "Bearer caller-token" }, oidcToken } },
    });
    await testRig.emulator.waitUntilIdle(queue, 10_000);
    await target.stop();
    const header = target.received[0]?.headers.authorization ?? "";
    expect(header).toMatch(/^Bearer /);
    return { token: header.slice("Bearer ".length), url };
  }

  it("signs an RS256 token verifiable through the discovery document, audience defaulting to the URL", async () => {
    const { token, url } = await bearerFor({ serviceAccountEmail: SERVICE_ACCOUNT });
    const discovery = (await (
      await fetch(`${rig.emulator.issuer}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: discovery.issuer,
      audience: url,
    });

    expect(discovery.issuer).toBe(rig.emulator.issuer);
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: expect.any(String) });
    expect(payload).toMatchObject({
      aud: url,
      email: SERVICE_ACCOUNT,
      sub: SERVICE_ACCOUNT,
      email_verified: true,
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60);
  });

  it("uses the task's audience and serves the key as a {kid: PEM} certs document", async () => {
    const audience = "https://generation-worker.example.run.app";
    const { token } = await bearerFor({ serviceAccountEmail: SERVICE_ACCOUNT, audience });
    const certs = (await (await fetch(`${rig.emulator.httpBaseUrl}/certs`)).json()) as Record<string, string>;
    const { kid } = decodeProtectedHeader(token);
    const pem = certs[kid ?? ""];
    expect(pem).toContain("BEGIN PUBLIC KEY");
    const { payload } = await jwtVerify(token, await importSPKI(pem ?? "", "RS256"), { audience });
    expect(payload.aud).toBe(audience);
  });

  it("puts a configured issuer in iss", async () => {
    const googleLike = await startTestRig({ issuer: "https://accounts.google.com" });
    try {
      const { token, url } = await bearerFor({ serviceAccountEmail: SERVICE_ACCOUNT }, googleLike);
      const jwks = createRemoteJWKSet(new URL(`${googleLike.emulator.httpBaseUrl}/jwks`));
      const { payload } = await jwtVerify(token, jwks, {
        issuer: "https://accounts.google.com",
        audience: url,
      });
      expect(payload.iss).toBe("https://accounts.google.com");
    } finally {
      await googleLike.stop();
    }
  });
});
