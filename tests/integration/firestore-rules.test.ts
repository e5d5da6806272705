import { readFileSync } from "node:fs";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  onSnapshot,
  query,
  setDoc,
  setLogLevel,
  updateDoc,
  where,
  type DocumentReference,
  type Firestore,
  type Query,
} from "firebase/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLLECTIONS } from "../../shared/store/collections.ts";
import { isolatedProjectId } from "../harness/isolation.ts";

// `firestore.rules` loaded into the real Firestore emulator (for this file's own project id), exercised
// with the Firebase client SDK as two signed-in users and an unauthenticated client.
const OWNER = "alice";
const OTHER = "bob";
const OWN_JOB = "job-alice";
const OTHER_JOB = "job-bob";

/** One seeded document per server-only collection, plus counters, health and an unknown collection. */
const SERVER_ONLY: Record<string, string> = {
  [COLLECTIONS.cache]: "cache/key-1",
  [COLLECTIONS.dedupClaims]: "dedupClaims/claim-1",
  [COLLECTIONS.userSlots]: `userSlots/${OWNER}_0`,
  [COLLECTIONS.idempotencyKeys]: "idempotencyKeys/idem-1",
  [COLLECTIONS.deadLetters]: `deadLetters/${OWN_JOB}`,
  counters: "counters/cacheHits",
  health: "health/probe",
  unknown: "somethingElse/doc-1",
  "job subcollection": `jobs/${OWN_JOB}/events/e1`,
};

type Actor = "owner" | "other" | "anonymous";
const ACTORS: Actor[] = ["owner", "other", "anonymous"];

describe("firestore.rules against the Firestore emulator", () => {
  let testEnv: RulesTestEnvironment;
  const contexts = {} as Record<Actor, RulesTestContext>;
  // rules-unit-testing hands out compat instances; the modular API unwraps them.
  const db = (actor: Actor): Firestore => contexts[actor].firestore() as unknown as Firestore;

  beforeAll(async () => {
    setLogLevel("silent"); // denied requests are expected; the SDK would log each one
    const emulator = process.env.FIRESTORE_EMULATOR_HOST as string;
    const split = emulator.lastIndexOf(":");
    testEnv = await initializeTestEnvironment({
      projectId: isolatedProjectId("rules"),
      firestore: {
        rules: readFileSync(new URL("../../firestore.rules", import.meta.url), "utf8"),
        host: emulator.slice(0, split),
        port: Number(emulator.slice(split + 1)),
      },
    });
    await testEnv.withSecurityRulesDisabled(async (admin) => {
      const adb = admin.firestore() as unknown as Firestore;
      await Promise.all([
        setDoc(doc(adb, "jobs", OWN_JOB), { userId: OWNER, status: "queued" }),
        setDoc(doc(adb, "jobs", "job-alice-2"), { userId: OWNER, status: "completed" }),
        setDoc(doc(adb, "jobs", OTHER_JOB), { userId: OTHER, status: "queued" }),
        setDoc(doc(adb, "jobs", "job-no-owner"), { status: "queued" }),
        ...Object.values(SERVER_ONLY).map((path) => setDoc(doc(adb, path), { userId: OWNER, v: 1 })),
      ]);
    });
    contexts.owner = testEnv.authenticatedContext(OWNER);
    contexts.other = testEnv.authenticatedContext(OTHER);
    contexts.anonymous = testEnv.unauthenticatedContext();
  });

  afterAll(async () => {
    await testEnv?.cleanup();
  });

  /** The first snapshot (or the listener's error), as a client following its job sees it. */
  const firstSnapshot = (ref: DocumentReference) =>
    new Promise<boolean>((resolve, reject) => {
      const stop = onSnapshot(
        ref,
        (snap) => {
          stop();
          resolve(snap.exists());
        },
        reject,
      );
    });

  describe("reads of jobs", () => {
    const ownJobs = (actor: Actor): Query =>
      query(collection(db(actor), "jobs"), where("userId", "==", OWNER));
    const cases: { name: string; actor: Actor; allowed: boolean; run: () => Promise<unknown> }[] = [
      {
        name: "owner gets own job",
        actor: "owner",
        allowed: true,
        run: () => getDoc(doc(db("owner"), "jobs", OWN_JOB)),
      },
      {
        name: "owner follows own job with onSnapshot",
        actor: "owner",
        allowed: true,
        run: () => firstSnapshot(doc(db("owner"), "jobs", OWN_JOB)),
      },
      {
        name: "owner lists with where(userId == uid)",
        actor: "owner",
        allowed: true,
        run: () => getDocs(ownJobs("owner")),
      },
      {
        name: "owner lists with where(userId == uid) and a limit",
        actor: "owner",
        allowed: true,
        run: () => getDocs(query(ownJobs("owner"), limit(1))),
      },
      {
        name: "owner lists unconstrained",
        actor: "owner",
        allowed: false,
        run: () => getDocs(collection(db("owner"), "jobs")),
      },
      {
        name: "owner lists another user's jobs",
        actor: "owner",
        allowed: false,
        run: () => getDocs(query(collection(db("owner"), "jobs"), where("userId", "==", OTHER))),
      },
      {
        name: "owner gets another user's job",
        actor: "owner",
        allowed: false,
        run: () => getDoc(doc(db("owner"), "jobs", OTHER_JOB)),
      },
      {
        name: "owner gets a job without userId",
        actor: "owner",
        allowed: false,
        run: () => getDoc(doc(db("owner"), "jobs", "job-no-owner")),
      },
      {
        name: "owner gets a missing job",
        actor: "owner",
        allowed: false,
        run: () => getDoc(doc(db("owner"), "jobs", "job-missing")),
      },
      {
        name: "other user gets the job",
        actor: "other",
        allowed: false,
        run: () => getDoc(doc(db("other"), "jobs", OWN_JOB)),
      },
      {
        name: "other user follows the job with onSnapshot",
        actor: "other",
        allowed: false,
        run: () => firstSnapshot(doc(db("other"), "jobs", OWN_JOB)),
      },
      {
        name: "other user lists the owner's jobs",
        actor: "other",
        allowed: false,
        run: () => getDocs(ownJobs("other")),
      },
      {
        name: "unauthenticated gets the job",
        actor: "anonymous",
        allowed: false,
        run: () => getDoc(doc(db("anonymous"), "jobs", OWN_JOB)),
      },
      {
        name: "unauthenticated lists the owner's jobs",
        actor: "anonymous",
        allowed: false,
        run: () => getDocs(ownJobs("anonymous")),
      },
      {
        name: "unauthenticated lists unconstrained",
        actor: "anonymous",
        allowed: false,
        run: () => getDocs(collection(db("anonymous"), "jobs")),
      },
    ];
    it.each(cases)("$name → allowed: $allowed", async ({ allowed, run }) => {
      if (allowed) await assertSucceeds(run());
      else await assertFails(run());
    });

    it("the owner's constrained list returns exactly their jobs", async () => {
      const snap = await getDocs(ownJobs("owner"));
      expect(snap.docs.map((d) => d.id).sort()).toEqual([OWN_JOB, "job-alice-2"]);
    });
  });

  describe("reads of server-only and unknown collections are denied", () => {
    const readers: { who: string; db: () => Firestore }[] = [
      { who: "the owner", db: () => db("owner") },
      {
        who: "an admin-claim token",
        db: () => testEnv.authenticatedContext("ops", { admin: true }).firestore() as unknown as Firestore,
      },
      { who: "unauthenticated", db: () => db("anonymous") },
    ];
    const cases = readers.flatMap((reader) =>
      Object.entries(SERVER_ONLY).map(([label, path]) => ({ label, path, ...reader })),
    );
    it.each(cases)("$who get/list $label ($path)", async ({ path, db: dbOf }) => {
      const firestore = dbOf();
      const ref = doc(firestore, path);
      await assertFails(getDoc(ref));
      await assertFails(getDocs(query(ref.parent, where("userId", "==", OWNER))));
    });
  });

  describe("clients can write nothing", () => {
    const targets: { label: string; existing: string; fresh: string }[] = [
      { label: "own job", existing: `jobs/${OWN_JOB}`, fresh: "jobs/job-new" },
      { label: "other user's job", existing: `jobs/${OTHER_JOB}`, fresh: "jobs/job-new-2" },
      ...Object.entries(SERVER_ONLY).map(([label, path]) => ({
        label,
        existing: path,
        fresh: `${path}-new`,
      })),
    ];
    const cases = ACTORS.flatMap((actor) => targets.map((target) => ({ actor, ...target })));
    it.each(cases)("$actor create/update/set/delete $label", async ({ actor, existing, fresh }) => {
      const firestore = db(actor);
      const body = { userId: OWNER, status: "completed" };
      await assertFails(setDoc(doc(firestore, fresh), body));
      await assertFails(updateDoc(doc(firestore, existing), { status: "completed" }));
      await assertFails(setDoc(doc(firestore, existing), body, { merge: true }));
      await assertFails(deleteDoc(doc(firestore, existing)));
    });

    it("left every seeded document as it was", async () => {
      await testEnv.withSecurityRulesDisabled(async (admin) => {
        const adb = admin.firestore() as unknown as Firestore;
        const own = await getDoc(doc(adb, "jobs", OWN_JOB));
        expect(own.data()).toEqual({ userId: OWNER, status: "queued" });
        for (const path of Object.values(SERVER_ONLY)) {
          expect((await getDoc(doc(adb, path))).data()).toEqual({ userId: OWNER, v: 1 });
        }
        for (const target of targets) expect((await getDoc(doc(adb, target.fresh))).exists()).toBe(false);
      });
    });
  });
});
