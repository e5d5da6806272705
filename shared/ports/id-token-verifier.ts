import type { Auth } from "firebase-admin/auth";

/** Who a verified Firebase ID token belongs to. */
export interface Caller {
  uid: string;
  /** True when the token carries the `admin: true` custom claim. */
  admin: boolean;
  /** True when the user signed in anonymously (`firebase.sign_in_provider`): stricter limits apply. */
  anonymous: boolean;
}

export interface VerifyOptions {
  /**
   * Also ask Firebase Auth whether the user's tokens were revoked (`revokeRefreshTokens`) or the
   * account disabled since the token was issued. Costs one Auth API round trip per call, so callers
   * ask for it where privileges matter. Without it a revoked token stays valid until it expires
   * (ID tokens live 1 h). @defaultValue false
   */
  checkRevoked?: boolean;
}

export interface IdTokenVerifier {
  /**
   * Resolves the caller. Rejects with {@link InvalidTokenError} when the token is bad (malformed,
   * expired, wrong project, or revoked or disabled when `checkRevoked` is asked); any other rejection
   * means verification itself failed (the signing keys or the user record could not be fetched, say)
   * and says nothing about the caller.
   */
  verify(idToken: string, options?: VerifyOptions): Promise<Caller>;
}

/** The token itself is not acceptable: the caller must sign in again (HTTP 401). */
export class InvalidTokenError extends Error {
  /** firebase-admin's error code, e.g. `auth/id-token-expired` or `auth/id-token-revoked`. */
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.name = "InvalidTokenError";
    this.code = code;
  }
}

/**
 * firebase-admin's codes for trouble on our side rather than with the token. The revocation check
 * reads the user record, which adds failures a signature check never has: Auth's quota, and the
 * function's service account lacking permission to read users (`roles/firebaseauth.viewer`) or a
 * working credential. Those must answer 503, not tell an operator to sign in again.
 */
const SERVICE_FAILURES = new Set([
  "auth/internal-error",
  "auth/network-request-failed",
  "auth/quota-exceeded",
  "auth/insufficient-permission",
  "auth/invalid-credential",
  "auth/project-not-found",
  "auth/billing-not-enabled",
]);

/**
 * Verifies Firebase ID tokens with firebase-admin. It accepts Auth-emulator tokens only when
 * `FIREBASE_AUTH_EMULATOR_HOST` is set, which production never sets. Against the emulator
 * firebase-admin checks revocation on every call, asked or not; in production only when asked.
 */
export function firebaseIdTokenVerifier(auth: Auth): IdTokenVerifier {
  return {
    async verify(idToken, options = {}) {
      let decoded;
      try {
        decoded = await auth.verifyIdToken(idToken, options.checkRevoked === true);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && code.startsWith("auth/") && !SERVICE_FAILURES.has(code)) {
          throw new InvalidTokenError(code);
        }
        throw error;
      }
      return {
        uid: decoded.uid,
        admin: decoded.admin === true,
        anonymous: decoded.firebase.sign_in_provider === "anonymous",
      };
    },
  };
}
