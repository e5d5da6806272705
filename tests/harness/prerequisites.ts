import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** Paths of the locally installed tools the integration tier runs. */
export interface Prerequisites {
  firestoreEmulator: string;
  pubsubEmulator: string;
  redisServer: string;
}

const FIX = {
  java: "install a JDK 17+ (Debian: apt-get install -y openjdk-17-jre-headless)",
  sdk:
    "install the Google Cloud SDK with its emulator components " +
    "(apt-get install -y google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator, " +
    "or gcloud components install cloud-firestore-emulator pubsub-emulator)",
  redis: "install redis-server (Debian: apt-get install -y redis-server)",
};

function which(command: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The Cloud SDK root: `CLOUDSDK_ROOT_DIR` if set, else what `gcloud info` reports. */
export function sdkRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CLOUDSDK_ROOT_DIR) return env.CLOUDSDK_ROOT_DIR;
  if (!which("gcloud")) return undefined;
  try {
    const root = execFileSync("gcloud", ["info", "--format=value(installation.sdk_root)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return root || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds Java, the SDK's Firestore and Pub/Sub emulators and redis-server, or throws one error that lists
 * everything missing and how to install it. The integration tier never skips silently.
 */
export function checkPrerequisites(env: NodeJS.ProcessEnv = process.env): Prerequisites {
  const missing: string[] = [];
  if (!which("java")) missing.push(`java: not on PATH; ${FIX.java}`);
  const root = sdkRoot(env);
  const firestoreEmulator = root
    ? path.join(root, "platform/cloud-firestore-emulator/cloud_firestore_emulator")
    : "";
  const pubsubEmulator = root ? path.join(root, "platform/pubsub-emulator/bin/cloud-pubsub-emulator") : "";
  if (!root) missing.push(`Google Cloud SDK: gcloud not found and CLOUDSDK_ROOT_DIR unset; ${FIX.sdk}`);
  else {
    if (!existsSync(firestoreEmulator))
      missing.push(`Firestore emulator: ${firestoreEmulator} missing; ${FIX.sdk}`);
    if (!existsSync(pubsubEmulator)) missing.push(`Pub/Sub emulator: ${pubsubEmulator} missing; ${FIX.sdk}`);
  }
  const redisServer = which("redis-server");
  if (!redisServer) missing.push(`redis-server: not on PATH; ${FIX.redis}`);
  if (!existsSync(path.resolve("node_modules", ".bin", "firebase"))) {
    missing.push("firebase-tools (the Auth emulator): not in node_modules; run npm ci");
  }
  if (missing.length > 0) {
    throw new Error(`Integration tests need tools that are missing:\n  - ${missing.join("\n  - ")}`);
  }
  return { firestoreEmulator, pubsubEmulator, redisServer: redisServer as string };
}
