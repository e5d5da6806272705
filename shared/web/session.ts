import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInAnonymously, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { z } from "zod";

/**
 * `/config.json`, served next to the page: the local stack writes emulator addresses into it, a
 * production deployment its real Firebase project and API URL. The page needs no rebuild to move.
 */
const webConfig = z.object({
  apiBaseUrl: z.string().url(),
  firebase: z.object({ apiKey: z.string(), projectId: z.string(), authDomain: z.string().optional() }),
  emulators: z
    .object({ authUrl: z.string().url(), firestoreHost: z.string(), firestorePort: z.number().int() })
    .optional(),
});

export type WebConfig = z.infer<typeof webConfig>;

export interface Session {
  config: WebConfig;
  auth: Auth;
  db: Firestore;
  uid: string;
}

/** Loads the config, starts Firebase (on the emulators when configured) and signs in anonymously. */
export async function openSession(): Promise<Session> {
  const config = webConfig.parse(await (await fetch("./config.json")).json());
  const app = initializeApp(config.firebase);
  const auth = getAuth(app);
  const db = getFirestore(app);
  if (config.emulators) {
    connectAuthEmulator(auth, config.emulators.authUrl, { disableWarnings: true });
    connectFirestoreEmulator(db, config.emulators.firestoreHost, config.emulators.firestorePort);
  }
  const credential = await signInAnonymously(auth);
  return { config, auth, db, uid: credential.user.uid };
}
