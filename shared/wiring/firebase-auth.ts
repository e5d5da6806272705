import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { firebaseIdTokenVerifier, type IdTokenVerifier } from "../ports/id-token-verifier.ts";

/**
 * The Firebase ID token verifier of `projectId`, on one firebase-admin app per project and process
 * (found again by name, so the functions of a local stack or a test share it). Building it makes no
 * network call; the signing keys are fetched on the first verification.
 */
export function firebaseAuthVerifier(projectId: string): IdTokenVerifier {
  return firebaseIdTokenVerifier(getAuth(queueFirebaseApp(projectId)));
}

/** The one firebase-admin app of `projectId` in this process (Auth and App Check share it). */
export function queueFirebaseApp(projectId: string): App {
  const name = `queue-${projectId}`;
  return getApps().find((a) => a.name === name) ?? initializeApp({ projectId }, name);
}
