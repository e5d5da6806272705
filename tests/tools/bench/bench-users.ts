import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInAnonymously } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, terminate } from "firebase/firestore";
import { firestoreJobListener } from "../../../shared/client/firestore-listener.ts";
import type { JobListener } from "../../../shared/client/listener-channel.ts";
import { signUpUsers } from "../chaos/users.ts";

/** One benchmark client's account and how it follows its jobs. */
export interface BenchUser {
  index: number;
  uid: string;
  /** Even clients follow jobs with a Firestore listener (Firebase JS SDK), odd ones poll the API. */
  transport: "listener" | "polling";
  getIdToken(): Promise<string>;
  /** Realtime updates of this user's jobs (listener clients only). */
  listen: JobListener | undefined;
}

/** Accounts made once and reused by every scenario: client `i` of any scenario is user `i`. */
export interface UserPool {
  /** The first `count` users, signing up whoever is missing. */
  take(count: number): Promise<BenchUser[]>;
  close(): Promise<void>;
}

export interface EmulatorAddresses {
  projectId: string;
  /** `127.0.0.1:PORT` */
  authHost: string;
  firestorePort: number;
}

/** Sign-ups in flight at once: the Auth emulator is one Node process. */
const SIGN_UP_CONCURRENCY = 8;

export function createUserPool(emulators: EmulatorAddresses): UserPool {
  const users: BenchUser[] = [];
  const apps: FirebaseApp[] = [];
  const make = async (index: number): Promise<BenchUser> => {
    if (index % 2 === 1) {
      const [account] = await signUpUsers(emulators.authHost, 1);
      if (account === undefined) throw new Error("Auth emulator: no account");
      return {
        index,
        uid: account.uid,
        transport: "polling",
        getIdToken: async () => account.idToken,
        listen: undefined,
      };
    }
    // As the web client does: its own Firebase app, signed in anonymously, listening as that user.
    const app = initializeApp(
      { apiKey: "bench-emulator", projectId: emulators.projectId },
      `bench-${process.pid}-${index}`,
    );
    apps.push(app);
    const auth = getAuth(app);
    connectAuthEmulator(auth, `http://${emulators.authHost}`, { disableWarnings: true });
    const db = getFirestore(app);
    connectFirestoreEmulator(db, "127.0.0.1", emulators.firestorePort);
    const credential = await signInAnonymously(auth);
    return {
      index,
      uid: credential.user.uid,
      transport: "listener",
      getIdToken: () => credential.user.getIdToken(),
      listen: firestoreJobListener(db),
    };
  };
  return {
    async take(count) {
      const missing = Array.from({ length: Math.max(0, count - users.length) }, (_, i) => users.length + i);
      let next = 0;
      const made: BenchUser[] = [];
      await Promise.all(
        Array.from({ length: SIGN_UP_CONCURRENCY }, async () => {
          while (next < missing.length) {
            const index = missing[next++] as number;
            made.push(await make(index));
          }
        }),
      );
      users.push(...made.sort((a, b) => a.index - b.index));
      return users.slice(0, count);
    },
    async close() {
      await Promise.allSettled(apps.map((app) => terminate(getFirestore(app))));
      await Promise.allSettled(apps.map((app) => deleteApp(app)));
    },
  };
}
