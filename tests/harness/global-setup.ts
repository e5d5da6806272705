import type { TestProject } from "vitest/node";
import { checkPrerequisites } from "./prerequisites.ts";
import {
  startAuthEmulator,
  startFirestoreEmulator,
  startPubsubEmulator,
  startRedis,
  type RunningService,
} from "./emulators.ts";
import { HARNESS_ENV_KEY, type HarnessEnv } from "./harness-env.ts";

/**
 * Starts the real Firestore, Pub/Sub and Firebase Auth emulators and a private redis-server once for the whole
 * integration run, and stops them all afterwards, failed tests or not.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tools = checkPrerequisites();
  const projectId = "demo-generation-queue";
  const started: RunningService[] = [];
  // Last resort if the runner dies without calling teardown: SIGKILL every process group we made.
  const killAll = (): void => started.forEach((s) => s.process.killNow());
  process.once("exit", killAll);
  try {
    const [firestore, pubsub, redis, auth] = await Promise.all([
      startFirestoreEmulator(tools, projectId).then(track),
      startPubsubEmulator(tools).then(track),
      startRedis(tools).then(track),
      startAuthEmulator(projectId).then(track),
    ]);
    const env: HarnessEnv = {
      FIRESTORE_EMULATOR_HOST: firestore.host,
      PUBSUB_EMULATOR_HOST: pubsub.host,
      REDIS_URL: `redis://${redis.host}`,
      FIREBASE_AUTH_EMULATOR_HOST: auth.host,
      GOOGLE_CLOUD_PROJECT: projectId,
      GCLOUD_PROJECT: projectId,
      METADATA_SERVER_DETECTION: "none",
    };
    Object.assign(process.env, env);
    project.provide(HARNESS_ENV_KEY, env);
    const startup = started.map((s) => `${s.process.name} ${Math.round(s.startupMs)} ms`).join(", ");
    console.log(`[harness] emulators ready: ${startup}`);
  } catch (error) {
    await Promise.all(started.map((s) => s.process.stop()));
    throw error;
  }

  function track(service: RunningService): RunningService {
    started.push(service);
    return service;
  }

  return async () => {
    await Promise.all(started.map((s) => s.process.stop()));
    process.removeListener("exit", killAll);
  };
}
