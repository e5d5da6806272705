import { initializeApp } from "firebase-admin/app";
import { getAppCheck } from "firebase-admin/app-check";
import { describe, expect, it } from "vitest";
import {
  firebaseAppCheckVerifier,
  InvalidAppCheckTokenError,
  isVerifierFailure,
} from "../../shared/ports/app-check-verifier.ts";
import { apiHttpOptions, apiRequest } from "../../shared/client/api-http.ts";

describe("which App Check failures are the token's", () => {
  it.each([
    { name: "a malformed or forged token", error: { code: "app-check/invalid-argument" }, ours: false },
    { name: "an expired token", error: { code: "app-check/app-check-token-expired" }, ours: false },
    {
      name: "Google's keys out of reach (reported as invalid-argument)",
      error: { code: "app-check/invalid-argument", cause: { code: "key-fetch-error" } },
      ours: true,
    },
    {
      name: "the same, with the cause on errorInfo",
      error: { code: "app-check/invalid-argument", errorInfo: { cause: { code: "key-fetch-error" } } },
      ours: true,
    },
    { name: "firebase-admin's internal error", error: { code: "app-check/internal-error" }, ours: true },
    { name: "anything that is not an App Check error", error: new TypeError("boom"), ours: true },
  ])("$name → ours: $ours", ({ error, ours }) => {
    expect(isVerifierFailure(error)).toBe(ours);
  });

  it("firebase-admin's own verifier refuses a malformed token as the token's fault, offline", async () => {
    const app = initializeApp({ projectId: "demo-app-check" }, "app-check-unit");
    const verifier = firebaseAppCheckVerifier(getAppCheck(app));
    const refused = await verifier.verify("not-a-jwt").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidAppCheckTokenError);
    expect(refused).toMatchObject({ code: "app-check/invalid-argument" });
  });
});

describe("the client sends the App Check token when it has one", () => {
  const sent: Headers[] = [];
  const fetchRecording: typeof fetch = async (_url, init) => {
    sent.push(new Headers(init?.headers));
    return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
  };
  it.each([
    { name: "with a token source", getAppCheckToken: async () => "app-token", expected: "app-token" },
    { name: "without one", getAppCheckToken: undefined, expected: null },
  ])("$name", async ({ getAppCheckToken, expected }) => {
    const http = apiHttpOptions({
      apiBaseUrl: "http://127.0.0.1:9",
      getIdToken: async () => "id-token",
      getAppCheckToken,
      fetch: fetchRecording,
    });
    await apiRequest(http, { method: "GET", path: "/v1/jobs" });
    expect(sent.at(-1)?.get("x-firebase-appcheck")).toBe(expected);
    expect(sent.at(-1)?.get("authorization")).toBe("Bearer id-token");
  });
});
