import { initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, type Auth } from "firebase/auth";
import { z } from "zod";

/**
 * `/config.json`, served next to the page: the local stack writes emulator addresses into it, a
 * production deployment its real Firebase project and API URL. The page needs no rebuild to move.
 */
const webConfig = z.object({
  apiBaseUrl: z.string().url(),
  firebase: z.object({ apiKey: z.string(), projectId: z.string(), authDomain: z.string().optional() }),
  /** Set when the deployment requires App Check (`APP_CHECK=required`): the reCAPTCHA Enterprise site key. */
  appCheck: z.object({ recaptchaEnterpriseSiteKey: z.string().min(1) }).optional(),
  emulators: z
    .object({ authUrl: z.string().url(), firestoreHost: z.string(), firestorePort: z.number().int() })
    .optional(),
});

export type WebConfig = z.infer<typeof webConfig>;

/** Reads and validates `./config.json`. */
export async function loadWebConfig(): Promise<WebConfig> {
  return webConfig.parse(await (await fetch("./config.json")).json());
}

/**
 * Starts one Firebase app and its Auth (on the emulator when configured). Apps of different
 * `name`s keep separate signed-in users, so the operator page's sign-in never replaces the main
 * page's anonymous user (whose jobs would be lost with it).
 */
export function startAuth(config: WebConfig, name?: string): { app: FirebaseApp; auth: Auth } {
  const app = name === undefined ? initializeApp(config.firebase) : initializeApp(config.firebase, name);
  const auth = getAuth(app);
  if (config.emulators) connectAuthEmulator(auth, config.emulators.authUrl, { disableWarnings: true });
  return { app, auth };
}
