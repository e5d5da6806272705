import { randomBytes } from "node:crypto";
import type { StackPorts } from "./ports.ts";

export const STACK_PROJECT = "demo-generation-queue";
export const STACK_QUEUE = `projects/${STACK_PROJECT}/locations/us-central1/queues/generation`;
/** The batch lane's queue (`TASKS_BATCH_QUEUE`'s default). */
export const STACK_BATCH_QUEUE = `projects/${STACK_PROJECT}/locations/us-central1/queues/generation-batch`;
/** The webhook queue (`WEBHOOK_QUEUE`'s default). */
export const STACK_WEBHOOK_QUEUE = `projects/${STACK_PROJECT}/locations/us-central1/queues/webhooks`;
export const STACK_SERVICE_ACCOUNT = `generation-queue@${STACK_PROJECT}.iam.gserviceaccount.com`;
export const FAKE_PIXELLAB_KEY = "fake-pixellab-key";
/** Where `npm start` keeps what it records (the spans file, Prometheus' folder), from the repo root. */
export const STACK_STATE_DIR = ".tmp/stack";
/** The spans file's name in that folder: the OTLP receiver appends to it, `npm run trace` reads it. */
export const SPANS_FILE_NAME = "spans.jsonl";

/**
 * The environment every function of the local stack runs with: the production variables, pointed
 * at the emulators on loopback. With `PIXELLAB_API_KEY` in the caller's environment the real
 * PixelLab API is used instead of the offline server.
 */
export function functionEnv(ports: StackPorts, outer: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const realPixelLab = outer.PIXELLAB_API_KEY !== undefined && outer.PIXELLAB_API_KEY !== "";
  return {
    PATH: outer.PATH,
    HOME: outer.HOME,
    // As deployed: Express then answers bodies it cannot parse without a stack trace or paths.
    NODE_ENV: "production",
    GOOGLE_CLOUD_PROJECT: STACK_PROJECT,
    GCLOUD_PROJECT: STACK_PROJECT,
    METADATA_SERVER_DETECTION: "none",
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${ports.firestore}`,
    PUBSUB_EMULATOR_HOST: `127.0.0.1:${ports.pubsub}`,
    FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${ports.auth}`,
    TASKS_EMULATOR_HOST: `127.0.0.1:${ports.tasks}`,
    TASK_HANDLER_URL: `http://127.0.0.1:${ports.processJob}/`,
    TASKS_SERVICE_ACCOUNT_EMAIL: STACK_SERVICE_ACCOUNT,
    TASKS_OIDC_ISSUER: `http://127.0.0.1:${ports.tasksAdmin}`,
    TASKS_OIDC_JWKS_URL: `http://127.0.0.1:${ports.tasksAdmin}/jwks`,
    REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    PIXELLAB_BASE_URL: realPixelLab
      ? (outer.PIXELLAB_BASE_URL ?? "https://api.pixellab.ai/v1")
      : `http://127.0.0.1:${ports.pixellab}/v1`,
    PIXELLAB_API_KEY: realPixelLab ? outer.PIXELLAB_API_KEY : FAKE_PIXELLAB_KEY,
    // The offline server answers in milliseconds: poll its background jobs often.
    PIXELLAB_POLL_INTERVAL_MS: realPixelLab ? "2000" : "200",
    LOG_LEVEL: outer.LOG_LEVEL ?? "info",
    // Local: a webhook receiver on this machine (http, loopback) may be the target.
    WEBHOOK_LOOPBACK_LOCAL_ONLY: "true",
    // The bearer token `/metrics` takes (Prometheus sends it): the caller's, or a new one per stack.
    METRICS_TOKEN: outer.METRICS_TOKEN || randomBytes(32).toString("hex"),
    // The stack's OTLP receiver, when it runs one: the preload sends spans there as OTLP/HTTP JSON.
    ...(ports.otlp !== undefined && { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlp}` }),
  };
}

/** What the web page reads from `/config.json`: the same keys a production deployment serves. */
export function webConfig(ports: StackPorts) {
  return {
    apiBaseUrl: `http://127.0.0.1:${ports.api}`,
    firebase: { apiKey: "local-emulator", projectId: STACK_PROJECT, authDomain: "127.0.0.1" },
    emulators: {
      authUrl: `http://127.0.0.1:${ports.auth}`,
      firestoreHost: "127.0.0.1",
      firestorePort: ports.firestore,
    },
  };
}
