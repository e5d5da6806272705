import type { AppCheck } from "firebase-admin/app-check";

/**
 * Verifies Firebase App Check tokens (`X-Firebase-AppCheck`): proof that a request comes from a
 * registered app (the web client behind reCAPTCHA Enterprise, say), not from a script that minted
 * anonymous users.
 */
export interface AppCheckVerifier {
  /**
   * The app the token was issued to. Rejects with {@link InvalidAppCheckTokenError} when the token
   * is bad (malformed, expired, another project's); any other rejection means verification itself
   * failed (the signing keys could not be fetched) and says nothing about the caller.
   */
  verify(token: string): Promise<{ appId: string }>;
}

/** The App Check token is not acceptable: the app must get a fresh one (HTTP 401). */
export class InvalidAppCheckTokenError extends Error {
  /** firebase-admin's error code, e.g. `app-check/invalid-argument`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "InvalidAppCheckTokenError";
    this.code = code;
  }
}

/**
 * Whether a firebase-admin App Check failure is ours rather than the token's: it reports a failed
 * fetch of Google's signing keys as `app-check/invalid-argument` too, with the JWT error
 * `key-fetch-error` as its cause. That must answer 503, not tell the app its token is bad.
 */
export function isVerifierFailure(error: unknown): boolean {
  const { code, cause, errorInfo } = (error ?? {}) as {
    code?: unknown;
    cause?: { code?: unknown };
    errorInfo?: { cause?: { code?: unknown } };
  };
  if (typeof code !== "string" || !code.startsWith("app-check/")) return true;
  if (code === "app-check/internal-error" || code === "app-check/unknown-error") return true;
  return (cause?.code ?? errorInfo?.cause?.code) === "key-fetch-error";
}

/** App Check verification with firebase-admin (Google's keys, fetched and cached by the SDK). */
export function firebaseAppCheckVerifier(appCheck: AppCheck): AppCheckVerifier {
  return {
    async verify(token) {
      try {
        const verified = await appCheck.verifyToken(token);
        return { appId: verified.appId };
      } catch (error) {
        if (isVerifierFailure(error)) throw error;
        const { code, message } = error as { code: string; message: string };
        throw new InvalidAppCheckTokenError(code, message);
      }
    },
  };
}
