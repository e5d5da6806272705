import { getToken, initializeAppCheck, ReCaptchaEnterpriseProvider } from "firebase/app-check";
import { signInAnonymously, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import type { FirebaseApp } from "firebase/app";
import { loadWebConfig, startAuth, type WebConfig } from "./web-config.ts";

export interface Session {
  config: WebConfig;
  auth: Auth;
  db: Firestore;
  uid: string;
  /** The App Check token source when the deployment requires one (sent on every API request). */
  getAppCheckToken: (() => Promise<string>) | undefined;
}

/** Loads the config, starts Firebase (on the emulators when configured) and signs in anonymously. */
export async function openSession(): Promise<Session> {
  const config = await loadWebConfig();
  const { app, auth } = startAuth(config);
  const db = getFirestore(app);
  if (config.emulators) {
    connectFirestoreEmulator(db, config.emulators.firestoreHost, config.emulators.firestorePort);
  }
  const credential = await signInAnonymously(auth);
  return { config, auth, db, uid: credential.user.uid, getAppCheckToken: appCheckTokens(config, app) };
}

/** App Check on reCAPTCHA Enterprise, when configured; the SDK caches and refreshes the token. */
function appCheckTokens(config: WebConfig, app: FirebaseApp): (() => Promise<string>) | undefined {
  if (config.appCheck === undefined) return undefined;
  const appCheck = initializeAppCheck(app, {
    provider: new ReCaptchaEnterpriseProvider(config.appCheck.recaptchaEnterpriseSiteKey),
    isTokenAutoRefreshEnabled: true,
  });
  return async () => (await getToken(appCheck)).token;
}
