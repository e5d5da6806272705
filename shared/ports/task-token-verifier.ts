import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Config } from "../config.ts";

/** What the handler expects of the OIDC token Cloud Tasks attaches to each delivery. */
export interface TaskTokenPolicy {
  /** `iss`: Google's in production, the Cloud Tasks emulator's locally. */
  issuer: string;
  /** `aud`: the handler's URL unless the queue sets another audience. */
  audience: string;
  /** Where the issuer publishes its signing keys (JWKS). */
  jwksUrl: string;
  /** The service account the queue signs as; any other identity is refused. */
  serviceAccountEmail: string;
}

/**
 * The audience Cloud Tasks' tokens carry and the handler expects: `TASKS_OIDC_AUDIENCE`, else the
 * handler's URL. The one definition both sides must use; a token minted for one audience and checked
 * against another fails every delivery (loadConfig refuses such a pair).
 */
export function taskTokenAudience(config: Pick<Config, "tasksOidc" | "taskHandlerUrl">): string | undefined {
  return config.tasksOidc.audience ?? config.taskHandlerUrl;
}

export type TaskTokenCheck = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export interface TaskTokenVerifier {
  check(authorization: string | undefined): Promise<TaskTokenCheck>;
}

/**
 * Verifies `Authorization: Bearer <JWT>` as Google's own libraries would: RS256 signature against the
 * issuer's JWKS (fetched and cached by jose), issuer, audience, expiry, and the `email` claim of the
 * queue's service account. No token or a bad signature: 401; a valid token of someone else: 403.
 */
export function createTaskTokenVerifier(policy: TaskTokenPolicy): TaskTokenVerifier {
  const keys = createRemoteJWKSet(new URL(policy.jwksUrl));
  return {
    async check(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
      if (token === undefined) return { ok: false, status: 401, reason: "no bearer token" };
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys, { algorithms: ["RS256"], issuer: policy.issuer }));
      } catch (error) {
        return { ok: false, status: 401, reason: `invalid token: ${(error as Error).message}` };
      }
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(policy.audience)) return { ok: false, status: 403, reason: "wrong audience" };
      if (payload.email !== policy.serviceAccountEmail || payload.email_verified === false) {
        return { ok: false, status: 403, reason: "not the queue's service account" };
      }
      return { ok: true };
    },
  };
}
