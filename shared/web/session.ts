import { signInAnonymously, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { loadWebConfig, startAuth, type WebConfig } from "./web-config.ts";

export interface Session {
  config: WebConfig;
  auth: Auth;
  db: Firestore;
  uid: string;
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
  return { config, auth, db, uid: credential.user.uid };
}
