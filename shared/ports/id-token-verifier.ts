import type { Auth } from "firebase-admin/auth";

/** Who a verified Firebase ID token belongs to. */
export interface Caller {
  uid: string;
  /** True when the token carries the `admin: true` custom claim. */
  admin: boolean;
}

export interface IdTokenVerifier {
  /**
   * Resolves the caller. Rejects with {@link InvalidTokenError} when the token is bad (malformed,
   * expired, revoked, wrong project); any other rejection means verification itself failed (the
   * signing keys could not be fetched, say) and says nothing about the caller.
   */
  verify(idToken: string): Promise<Caller>;
}

/** The token itself is not acceptable: the caller must sign in again (HTTP 401). */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidTokenError";
  }
}

/** firebase-admin's codes for trouble on its side rather than with the token. */
const SERVICE_FAILURES = new Set(["auth/internal-error", "auth/network-request-failed"]);

/**
 * Verifies Firebase ID tokens with firebase-admin. It accepts Auth-emulator tokens only when
 * `FIREBASE_AUTH_EMULATOR_HOST` is set, which production never sets.
 */
export function firebaseIdTokenVerifier(auth: Auth): IdTokenVerifier {
  return {
    async verify(idToken) {
      let decoded;
      try {
        decoded = await auth.verifyIdToken(idToken);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && code.startsWith("auth/") && !SERVICE_FAILURES.has(code)) {
          throw new InvalidTokenError(code);
        }
        throw error;
      }
      return { uid: decoded.uid, admin: decoded.admin === true };
    },
  };
}
