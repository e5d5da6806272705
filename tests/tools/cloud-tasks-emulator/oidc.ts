import { randomUUID } from "node:crypto";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

/** The emulator's own RS256 signing key, made fresh at every start. */
export interface OidcKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function createOidcKey(): Promise<OidcKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID().replaceAll("-", "");
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** What one token says. */
export interface IdTokenClaims {
  issuer: string;
  /** `audience` of the task's OidcToken, else the task URL. */
  audience: string;
  serviceAccountEmail: string;
  nowMs: number;
}

/** Lifetime of a minted token, seconds (production: 1 h). */
export const ID_TOKEN_LIFETIME_S = 3600;

/**
 * Mints an ID token shaped like Google's service-account tokens. No numeric service-account id is
 * known here, so `sub` and `azp` carry the email (as aertje's emulator does).
 */
export function mintIdToken(key: OidcKey, claims: IdTokenClaims): Promise<string> {
  const iat = Math.floor(claims.nowMs / 1000);
  return new SignJWT({
    email: claims.serviceAccountEmail,
    email_verified: true,
    azp: claims.serviceAccountEmail,
  })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.serviceAccountEmail)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ID_TOKEN_LIFETIME_S)
    .sign(key.privateKey);
}

/** Paths of the discovery documents on the admin HTTP port. */
export const OIDC_PATHS = {
  configuration: "/.well-known/openid-configuration",
  jwks: "/jwks",
  certs: "/certs",
} as const;

/** The OpenID discovery document; `baseUrl` is where the admin HTTP port answers. */
export function openidConfiguration(issuer: string, baseUrl: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${baseUrl}${OIDC_PATHS.jwks}`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    claims_supported: ["aud", "email", "email_verified", "exp", "iat", "iss", "sub", "azp"],
  };
}

export function jwksDocument(key: OidcKey): { keys: JWK[] } {
  return { keys: [key.publicJwk] };
}

/**
 * `{kid: PEM}` like Google's `/oauth2/v1/certs`. Google serves X.509 certificates; Node cannot mint
 * one without a library, so this serves the SPKI public key PEM, which `crypto.verify` and the JWT
 * libraries that read this document accept the same way.
 */
export function certsDocument(key: OidcKey): Record<string, string> {
  return { [key.kid]: key.publicPem };
}
