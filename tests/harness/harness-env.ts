/** The environment the global setup hands to every integration test worker. */
export interface HarnessEnv {
  FIRESTORE_EMULATOR_HOST: string;
  PUBSUB_EMULATOR_HOST: string;
  REDIS_URL: string;
  FIREBASE_AUTH_EMULATOR_HOST: string;
  GOOGLE_CLOUD_PROJECT: string;
  GCLOUD_PROJECT: string;
  METADATA_SERVER_DETECTION: "none";
}

export const HARNESS_ENV_KEY = "harnessEnv";

declare module "vitest" {
  export interface ProvidedContext {
    harnessEnv: HarnessEnv;
  }
}
