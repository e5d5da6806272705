import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInAnonymously, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, terminate, type Firestore } from "firebase/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreJobListener } from "../../shared/client/firestore-listener.ts";
import {
  createQueueClient,
  QueueApiError,
  WatchTimeoutError,
  type JobListener,
  type QueueClient,
  type SubmitRequest,
  type WatchEvent,
} from "../../shared/client/queue-client.ts";
import { readPng } from "../../shared/pixellab/png-header.ts";
import { signUpUser } from "../harness/auth-users.ts";
import { uniqueName } from "../harness/isolation.ts";
import { startQueueRig, type QueueRig } from "../harness/queue-rig.ts";

async function collect(events: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

/** A pixflux request (64×64 unless told). */
const pixflux = (description: string, size = { width: 64, height: 64 }): SubmitRequest => ({
  operation: "generate-image-pixflux",
  input: { description, image_size: size },
});

/** A fresh prompt per test, so the result cache and dedup never join two tests' jobs. */
const prompt = (text: string) => `${text} ${uniqueName("p")}`;

describe("queue client against the whole queue", () => {
  let rig: QueueRig;
  let app: FirebaseApp;
  let auth: Auth;
  let db: Firestore;
  let client: QueueClient;
  const clientWith = (extra: Partial<Parameters<typeof createQueueClient>[0]>) =>
    createQueueClient({
      apiBaseUrl: rig.url,
      getIdToken: () => auth.currentUser!.getIdToken(),
      pollWaitSeconds: 5,
      ...extra,
    });

  beforeAll(async () => {
    rig = await startQueueRig();
    // The web client's wiring: one Firebase app, signed in anonymously; its ID token calls the API
    // and its Firestore follows the job. Firestore uses the rig's isolated project.
    app = initializeApp({ projectId: rig.config.projectId, apiKey: "local" }, uniqueName("client"));
    auth = getAuth(app);
    connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
    await signInAnonymously(auth);
    db = getFirestore(app);
    const [host = "", port = ""] = (process.env.FIRESTORE_EMULATOR_HOST ?? "").split(":");
    connectFirestoreEmulator(db, host, Number(port));
    client = clientWith({});
  });
  afterAll(async () => {
    await terminate(db);
    await deleteApp(app);
    await rig.close();
  });

  it("submits, watches by polling to completion and downloads a PNG of the requested size", async () => {
    const body = pixflux(prompt("a knight with a sword"), { width: 48, height: 32 });
    const submitted = await client.submit(body);
    expect(submitted).toMatchObject({ status: "queued", cached: false, deduplicated: false });

    const events = await collect(client.watch(submitted.jobId, { transport: "polling" }));
    expect(events.every((e) => e.transport === "polling")).toBe(true);
    const last = events.at(-1)!.job;
    expect(last).toMatchObject({ jobId: submitted.jobId, status: "completed", attempts: 1 });
    expect(last.result?.images[0]).toMatchObject({ width: 48, height: 32, format: "png" });
    expect(events.slice(0, -1).every((e) => e.job.status !== "completed")).toBe(true);

    const png = readPng(await client.result(submitted.jobId));
    expect(png).toMatchObject({ ok: true, info: { width: 48, height: 32 } });
  });

  it("follows a job through a Firestore listener, with the view the API gives", async () => {
    const listening = clientWith({ listen: firestoreJobListener(db) });
    const { jobId } = await listening.submit(pixflux(prompt("a listening owl")));
    const events = await collect(listening.watch(jobId));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.transport === "listener")).toBe(true);
    expect(events.at(-1)!.job).toEqual(await client.get(jobId));
    expect(events.at(-1)!.job.result?.images[0]?.url).toBe(`/v1/jobs/${jobId}/result?index=0`);
  });

  const failingListeners: { name: string; listen: () => { listen: JobListener; active: () => number } }[] = [
    {
      name: "reports an error at once",
      listen: () =>
        tracked((_id, _next, onError) => {
          onError(new Error("permission-denied"));
          return () => {};
        }),
    },
    { name: "never delivers a first snapshot", listen: () => tracked(() => () => {}) },
  ];
  it.each(failingListeners)("switches to polling by itself when the listener $name", async ({ listen }) => {
    const { listen: listener, active } = listen();
    const fallback = clientWith({ listen: listener, listenerStartTimeoutMs: 300 });
    const { jobId } = await fallback.submit(pixflux(prompt("a stubborn slime")));
    const events = await collect(fallback.watch(jobId));
    expect(events.map((e) => e.transport)).toEqual(events.map(() => "polling"));
    expect(events.at(-1)!.job.status).toBe("completed");
    expect(active()).toBe(0);
  });

  it("ends the watch with cancelled when a running job is cancelled", async () => {
    const listening = clientWith({ listen: firestoreJobListener(db) });
    const { jobId } = await listening.submit(pixflux(prompt("a slow dragon [fake:latency=4000]")));
    const statuses: string[] = [];
    let cancelView: Awaited<ReturnType<QueueClient["cancel"]>> | undefined;
    for await (const { job } of listening.watch(jobId)) {
      statuses.push(job.status);
      if (job.status === "processing" && cancelView === undefined) cancelView = await listening.cancel(jobId);
    }
    expect(cancelView).toMatchObject({ status: "processing", cancelRequested: true });
    expect(statuses.at(-1)).toBe("cancelled");
    expect(statuses).not.toContain("completed");
  });

  it("surfaces refusals as QueueApiError with the problem type", async () => {
    const invalid = pixflux("", { width: 5, height: 64 });
    const refused = await client.submit(invalid).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QueueApiError);
    expect(refused).toMatchObject({ status: 422, problem: { type: "/problems/validation-error" } });
    const paths = (refused as QueueApiError).problem.errors?.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["input.description", "input.image_size.width"]));

    const stranger = clientWith({ getIdToken: async () => "not-a-token" });
    await expect(stranger.get("any-job")).rejects.toMatchObject({
      name: "QueueApiError",
      status: 401,
      problem: { type: "/problems/unauthorized" },
    });
    await expect(
      client.watch("no-such-job", { transport: "polling" })[Symbol.asyncIterator]().next(),
    ).rejects.toMatchObject({ status: 404, problem: { type: "/problems/not-found" } });
  });

  it("gives up with WatchTimeoutError at the deadline, and stops promptly on abort", async () => {
    const { jobId } = await client.submit(pixflux(prompt("a sleepy bear [fake:latency=4000]")));
    const started = Date.now();
    await expect(collect(client.watch(jobId, { timeoutMs: 700 }))).rejects.toBeInstanceOf(WatchTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);

    const { listen, active } = tracked(firestoreJobListener(db));
    const controller = new AbortController();
    const aborted = collect(clientWith({ listen }).watch(jobId, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 300);
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    expect(active()).toBe(0);
  });

  it("lists the caller's jobs, newest first", async () => {
    const user = await signUpUser();
    const lister = clientWith({ getIdToken: async () => user.idToken });
    const first = await lister.submit(pixflux(prompt("list one")));
    const second = await lister.submit(pixflux(prompt("list two")));
    const page = await lister.list({ limit: 10 });
    expect(page.jobs.map((j) => j.jobId)).toEqual([second.jobId, first.jobId]);
    expect(page.nextCursor).toBeNull();
  });
});

/** Wraps a listener to count live subscriptions, so a test can see that every one was closed. */
function tracked(listen: JobListener): { listen: JobListener; active: () => number } {
  let active = 0;
  return {
    listen: (jobId, onNext, onError) => {
      active += 1;
      const unsubscribe = listen(jobId, onNext, onError);
      let open = true;
      return () => {
        if (open) active -= 1;
        open = false;
        unsubscribe();
      };
    },
    active: () => active,
  };
}
