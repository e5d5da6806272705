import { describe, expect, it } from "vitest";
import {
  createQueueClient,
  QueueApiError,
  WatchTimeoutError,
  type JobListener,
  type JobView,
  type WatchEvent,
} from "../../shared/client/queue-client.ts";

// `watch` against an in-process API: a `fetch` that answers from a script of states, and listeners
// driven by the test. No network, no timers beyond the client's own (set to tens of ms).

type Status = JobView["status"];
const view = (status: Status, percent = 0, extra: Partial<JobView> = {}): JobView => ({
  jobId: "j1",
  operation: "generate-image-pixflux",
  status,
  progress: {
    percent,
    stage: status === "queued" ? "queued" : status === "processing" ? "generating" : "done",
  },
  attempts: status === "queued" ? 0 : 1,
  maxAttempts: 3,
  cached: false,
  cancelRequested: false,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: `2025-01-01T00:00:0${Math.floor(percent / 20)}.000Z`,
  startedAt: null,
  finishedAt: null,
  nextAttemptAt: null,
  ...extra,
});

/** Answers each GET /v1/jobs/j1 with the next scripted step; records what was asked. */
function scriptedApi(steps: (JobView | number)[]) {
  const requests: { url: string; ifNoneMatch: string | null }[] = [];
  let version = 0;
  const fetch: typeof globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({ url: String(input), ifNoneMatch: headers.get("if-none-match") });
    const step = steps.shift() ?? steps.at(-1) ?? 500;
    if (typeof step === "number") {
      const problem = { type: `/problems/http-${step}`, title: "x", status: step, detail: "scripted" };
      const extra: Record<string, string> = step === 304 ? { etag: `"v${version}"` } : { "retry-after": "0" };
      return step === 304
        ? new Response(null, { status: 304, headers: extra })
        : new Response(JSON.stringify(problem), {
            status: step,
            headers: { "content-type": "application/problem+json", ...extra },
          });
    }
    version += 1;
    return Response.json(step, { headers: { etag: `"v${version}"` } });
  };
  return { fetch, requests };
}

const fastClient = (fetch: typeof globalThis.fetch, listen?: JobListener) =>
  createQueueClient({
    apiBaseUrl: "http://api.test",
    getIdToken: async () => "token",
    fetch,
    ...(listen && { listen }),
    listenerStartTimeoutMs: 30,
    listenerQuietCheckMs: 40,
    pollRetryBaseMs: 5,
    pollRetryMaxMs: 20,
  });

async function collect(events: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}
const summary = (events: WatchEvent[]) =>
  events.map((e) => `${e.transport}:${e.job.status}:${e.job.progress.percent}`);

describe("watch by polling", () => {
  it("long-polls with the last ETag, skips unchanged states and ends at the terminal one", async () => {
    const api = scriptedApi([
      view("queued"),
      304,
      view("queued"),
      view("processing", 40),
      view("completed", 100),
      view("completed", 100),
    ]);
    const events = await collect(fastClient(api.fetch).watch("j1", { transport: "polling" }));
    expect(summary(events)).toEqual(["polling:queued:0", "polling:processing:40", "polling:completed:100"]);
    expect(api.requests.map((r) => [new URL(r.url).search, r.ifNoneMatch])).toEqual([
      ["", null],
      ["?waitSeconds=20", '"v1"'],
      ["?waitSeconds=20", '"v1"'],
      ["?waitSeconds=20", '"v2"'],
      ["?waitSeconds=20", '"v3"'],
    ]);
  });

  it("retries 503, 429 and 502 answers, then carries on", async () => {
    const api = scriptedApi([503, view("queued"), 429, 502, view("completed", 100)]);
    const events = await collect(fastClient(api.fetch).watch("j1", { transport: "polling" }));
    expect(summary(events)).toEqual(["polling:queued:0", "polling:completed:100"]);
    expect(api.requests).toHaveLength(5);
  });

  it("stops at a refusal that waiting cannot fix", async () => {
    const api = scriptedApi([view("queued"), 404]);
    await expect(collect(fastClient(api.fetch).watch("j1"))).rejects.toMatchObject({ status: 404 });
    await expect(collect(fastClient(scriptedApi([403]).fetch).watch("j1"))).rejects.toBeInstanceOf(
      QueueApiError,
    );
  });

  it("throws WatchTimeoutError when the API keeps failing past the deadline", async () => {
    const api = scriptedApi([503]);
    await expect(collect(fastClient(api.fetch).watch("j1", { timeoutMs: 100 }))).rejects.toBeInstanceOf(
      WatchTimeoutError,
    );
  });
});

describe("watch with a listener", () => {
  /** A listener the test drives: `emit` and `fail` reach the current subscriber. */
  function drivenListener() {
    const state = { subscribed: 0, next: (_: JobView) => {}, error: (_: Error) => {} };
    const listen: JobListener = (_id, onNext, onError) => {
      state.subscribed += 1;
      state.next = onNext;
      state.error = onError;
      return () => {
        state.subscribed -= 1;
      };
    };
    return { listen, state };
  }

  it("follows the listener alone while it works", async () => {
    const listener = drivenListener();
    const api = scriptedApi([]);
    const watching = collect(fastClient(api.fetch, listener.listen).watch("j1"));
    listener.state.next(view("queued"));
    listener.state.next(view("queued"));
    listener.state.next(view("processing", 40));
    listener.state.next(view("completed", 100));
    expect(summary(await watching)).toEqual([
      "listener:queued:0",
      "listener:processing:40",
      "listener:completed:100",
    ]);
    expect(api.requests).toHaveLength(0);
    expect(listener.state.subscribed).toBe(0);
  });

  it("asks the API once when a started listener goes quiet, and ends at the terminal state it reports", async () => {
    const listener = drivenListener();
    const api = scriptedApi([view("completed", 100)]);
    const watching = collect(fastClient(api.fetch, listener.listen).watch("j1"));
    listener.state.next(view("processing", 40));
    // The listener never delivers the completion (it stalled): the quiet check finds it.
    expect(summary(await watching)).toEqual(["listener:processing:40", "listener:completed:100"]);
    expect(api.requests).toHaveLength(1);
    expect(listener.state.subscribed).toBe(0);
  });

  it("moves to polling when the listener fails mid-way, without repeating the state it had", async () => {
    const listener = drivenListener();
    const api = scriptedApi([view("processing", 40), view("completed", 100)]);
    const watching = collect(fastClient(api.fetch, listener.listen).watch("j1"));
    listener.state.next(view("processing", 40));
    listener.state.error(new Error("stream closed"));
    expect(summary(await watching)).toEqual(["listener:processing:40", "polling:completed:100"]);
    expect(listener.state.subscribed).toBe(0);
  });

  it.each([
    { name: "gives no first snapshot in time", listen: (() => () => undefined) as JobListener },
    {
      name: "throws as it starts",
      listen: (() => {
        throw new Error("no Firestore");
      }) as JobListener,
    },
  ])("polls when the listener $name", async ({ listen }) => {
    const api = scriptedApi([view("completed", 100)]);
    expect(summary(await collect(fastClient(api.fetch, listen).watch("j1")))).toEqual([
      "polling:completed:100",
    ]);
  });

  it("stops on abort with the caller's reason and unsubscribes", async () => {
    const listener = drivenListener();
    const controller = new AbortController();
    const watching = collect(
      fastClient(scriptedApi([]).fetch, listener.listen).watch("j1", { signal: controller.signal }),
    );
    listener.state.next(view("queued"));
    controller.abort(new Error("user left the page"));
    await expect(watching).rejects.toThrow("user left the page");
    expect(listener.state.subscribed).toBe(0);
  });
});
