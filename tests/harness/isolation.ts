import { randomUUID } from "node:crypto";

/**
 * A fresh `demo-` project id. The Firestore and Pub/Sub emulators keep every project apart, so a test
 * file that uses its own project id sees no other file's documents, topics or subscriptions, without
 * the production code knowing anything about prefixes.
 */
export function isolatedProjectId(label = "t"): string {
  return `demo-${label}-${randomUUID().slice(0, 8)}`;
}

/** A unique resource name (topic, subscription, Redis key prefix) that starts with a letter. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/** Deletes every document of `projectId` in the Firestore emulator (its documented wipe endpoint). */
export async function wipeFirestore(emulatorHost: string, projectId: string): Promise<void> {
  const url = `http://${emulatorHost}/emulator/v1/projects/${projectId}/databases/(default)/documents`;
  const response = await fetch(url, { method: "DELETE" });
  if (!response.ok) throw new Error(`Firestore wipe answered ${response.status}: ${await response.text()}`);
}
