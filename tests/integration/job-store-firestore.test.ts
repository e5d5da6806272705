import { Firestore } from "@google-cloud/firestore";
import { afterAll } from "vitest";
import { firestoreJobStore } from "../../shared/store/firestore-job-store.ts";
import { jobStoreContract } from "../contract/job-store-contract.ts";
import { isolatedProjectId } from "../harness/isolation.ts";

// Each test gets a project of its own on the emulator: an empty database, no wipes between tests.
const clients: Firestore[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.terminate()));
});

jobStoreContract("Firestore (emulator)", async () => {
  const firestore = new Firestore({ projectId: isolatedProjectId("store"), ignoreUndefinedProperties: true });
  clients.push(firestore);
  return firestoreJobStore(firestore);
});
