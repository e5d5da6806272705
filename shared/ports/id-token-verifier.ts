import type { Auth } from "firebase-admin/auth";

/** Who a verified Firebase ID token belongs to. */
export interface Caller {
  uid: string;
  /** True when the token carries the `admin: true` custom claim. */
  admin: boolean;
}

export interface IdTokenVerifier {
  /** Resolves the caller, or rejects when the token is invalid, expired or revoked. */
  verify(idToken: string): Promise<Caller>;
}

/**
 * Verifies Firebase ID tokens with firebase-admin. It accepts Auth-emulator tokens only when
 * `FIREBASE_AUTH_EMULATOR_HOST` is set, which production never sets.
 */
export function firebaseIdTokenVerifier(auth: Auth): IdTokenVerifier {
  return {
    async verify(idToken) {
      const decoded = await auth.verifyIdToken(idToken);
      return { uid: decoded.uid, admin: decoded.admin === true };
    },
  };
}
