import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { firebaseIdTokenVerifier, type IdTokenVerifier } from "../../shared/ports/id-token-verifier.ts";

/** A user signed up in the Auth emulator, with a real ID token for it. */
export interface TestUser {
  uid: string;
  idToken: string;
}

const emulatorBase = () =>
  `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}/identitytoolkit.googleapis.com/v1`;

async function identityToolkit(path: string, body: unknown): Promise<{ localId: string; idToken: string }> {
  const response = await fetch(`${emulatorBase()}/${path}?key=emulator`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Auth emulator ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { localId: string; idToken: string };
}

/**
 * Signs up a user with an email and password in the Auth emulator: a signed-in user, as an
 * integrator's app has, with the signed-in limits (`user-limits.ts`).
 */
export async function signUpUser(): Promise<TestUser> {
  const email = `user-${Math.random().toString(36).slice(2)}@example.test`;
  const body = await identityToolkit("accounts:signUp", {
    email,
    password: "emulator-password",
    returnSecureToken: true,
  });
  return { uid: body.localId, idToken: body.idToken };
}

/** Signs up an anonymous user in the Auth emulator, as the web client does: the stricter limits apply. */
export async function signUpAnonymous(): Promise<TestUser> {
  const body = await identityToolkit("accounts:signUp", { returnSecureToken: true });
  return { uid: body.localId, idToken: body.idToken };
}

/**
 * A user whose token carries the `admin: true` custom claim: created with a password, given the
 * claim through firebase-admin (against the emulator), then signed in again to get a token with it.
 */
export async function signUpAdmin(): Promise<TestUser> {
  const email = `admin-${Math.random().toString(36).slice(2)}@example.test`;
  const password = "emulator-password";
  const created = await identityToolkit("accounts:signUp", { email, password, returnSecureToken: true });
  await getAuth(harnessFirebaseApp()).setCustomUserClaims(created.localId, { admin: true });
  const signedIn = await identityToolkit("accounts:signInWithPassword", {
    email,
    password,
    returnSecureToken: true,
  });
  return { uid: signedIn.localId, idToken: signedIn.idToken };
}

/** firebase-admin bound to the Auth emulator's project (the harness project id). */
export function harnessFirebaseApp() {
  const projectId = process.env.GOOGLE_CLOUD_PROJECT as string;
  const name = `harness-${projectId}`;
  return getApps().find((app) => app.name === name) ?? initializeApp({ projectId }, name);
}

/** The production verifier, pointed at the Auth emulator's project. */
export function emulatorTokenVerifier(): IdTokenVerifier {
  return firebaseIdTokenVerifier(getAuth(harnessFirebaseApp()));
}

/** A user with an email and password, so it can sign in again for a fresh token. */
export interface PasswordUser extends TestUser {
  email: string;
  password: string;
}

/**
 * Like {@link signUpAdmin}, but keeps the credentials, for tests that change the user's claims or
 * revoke their tokens and then sign in again.
 */
export async function signUpPasswordAdmin(): Promise<PasswordUser> {
  const email = `operator-${Math.random().toString(36).slice(2)}@example.test`;
  const password = "emulator-password";
  const created = await identityToolkit("accounts:signUp", { email, password, returnSecureToken: true });
  await getAuth(harnessFirebaseApp()).setCustomUserClaims(created.localId, { admin: true });
  return { ...(await signInAgain({ email, password })), email, password };
}

/** A fresh ID token for a password user (with whatever claims the account carries now). */
export async function signInAgain(user: { email: string; password: string }): Promise<TestUser> {
  const { email, password } = user;
  const body = await identityToolkit("accounts:signInWithPassword", {
    email,
    password,
    returnSecureToken: true,
  });
  return { uid: body.localId, idToken: body.idToken };
}

/** The `auth_time` claim of an ID token: when the user signed in, in whole seconds since the epoch. */
export function idTokenAuthTime(idToken: string): number {
  const payload = idToken.split(".")[1] ?? "";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { auth_time?: unknown };
  if (typeof claims.auth_time !== "number") throw new Error("ID token has no numeric auth_time");
  return claims.auth_time;
}

/**
 * The production verifier over an Auth emulator address nothing listens on: every check that has to
 * ask Auth fails as in an outage. firebase-admin reads the emulator address when the Auth instance is
 * built, so the variable is set only for that moment.
 */
export function unreachableAuthVerifier(deadHost: string): IdTokenVerifier {
  const projectId = process.env.GOOGLE_CLOUD_PROJECT as string;
  const name = `unreachable-${deadHost}`;
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId }, name);
  const realHost = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = deadHost;
  try {
    return firebaseIdTokenVerifier(getAuth(app));
  } finally {
    if (realHost === undefined) delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    else process.env.FIREBASE_AUTH_EMULATOR_HOST = realHost;
  }
}
