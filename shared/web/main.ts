import { firestoreJobListener } from "../client/firestore-listener.ts";
import { createQueueClient, QueueApiError, type QueueClient } from "../client/queue-client.ts";
import { openSession } from "./session.ts";
import { byId, renderJob, renderJobList, renderProblem, renderWaiting } from "./view.ts";

/** How often the page asks the API why a followed job is still queued, in ms. @defaultValue 5_000 */
const WAITING_REFRESH_MS = 5_000;

/**
 * The web client: sign in, submit a generation, follow it live. Progress arrives through a Firestore
 * listener on `jobs/{id}`; when the listener cannot connect (or `?transport=polling` is in the URL)
 * the client library follows the same job over HTTP long-polling, with the same UI.
 */
async function main(): Promise<void> {
  const session = await openSession();
  const transport = new URLSearchParams(location.search).get("transport") === "polling" ? "polling" : "auto";
  const client = createQueueClient({
    apiBaseUrl: session.config.apiBaseUrl,
    getIdToken: () => session.auth.currentUser!.getIdToken(),
    ...(session.getAppCheckToken && { getAppCheckToken: session.getAppCheckToken }),
    ...(transport === "auto" && { listen: firestoreJobListener(session.db) }),
  });
  byId("session").textContent =
    `Signed in as ${session.uid.slice(0, 8)}… (${transport === "auto" ? "live updates" : "polling"})`;
  const submit = byId<HTMLButtonElement>("submit");
  const refresh = () => refreshJobs(client);
  byId<HTMLFormElement>("generate").addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    void generate(client, transport, refresh).finally(() => (submit.disabled = false));
  });
  // Enabled only once the handler above is attached: an earlier click would submit the form natively.
  submit.disabled = false;
  await refresh();
}

async function generate(client: QueueClient, transport: "auto" | "polling", refresh: () => Promise<void>) {
  const size = Number(byId<HTMLSelectElement>("size").value);
  const outline = byId<HTMLSelectElement>("outline").value;
  const shading = byId<HTMLSelectElement>("shading").value;
  const input: Record<string, unknown> = {
    description: byId<HTMLInputElement>("prompt").value,
    image_size: { width: size, height: size },
    no_background: byId<HTMLInputElement>("no-background").checked,
    ...(outline && { outline }),
    ...(shading && { shading }),
  };
  try {
    const submitted = await client.submit({ operation: "generate-image-pixflux", input });
    await refresh();
    const stopExplaining = explainWaiting(client, submitted.jobId);
    try {
      for await (const event of client.watch(submitted.jobId, { transport })) {
        renderJob(event.job, event.transport);
      }
    } finally {
      stopExplaining();
    }
  } catch (error) {
    renderProblem(
      error instanceof QueueApiError ? `${error.problem.title}: ${error.problem.detail}` : String(error),
    );
  }
  await refresh();
}

/**
 * While the job is queued, asks the API why (a listener sees only the stored job): at once, then
 * every {@link WAITING_REFRESH_MS}, until the job leaves the queue or the returned stop is called.
 */
function explainWaiting(client: QueueClient, jobId: string): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ask = async () => {
    const view = await client.get(jobId).catch(() => undefined);
    if (stopped) return;
    if (view !== undefined) renderWaiting(view);
    if (view === undefined || view.status === "queued")
      timer = setTimeout(() => void ask(), WAITING_REFRESH_MS);
  };
  void ask();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function refreshJobs(client: QueueClient): Promise<void> {
  const page = await client.list({ limit: 10 });
  renderJobList(page.jobs, (jobId) => {
    void client
      .cancel(jobId)
      .catch((error: unknown) => renderProblem(String(error)))
      .then(() => refreshJobs(client));
  });
}

main().catch((error: unknown) => {
  byId("session").textContent = `Could not start: ${error instanceof Error ? error.message : String(error)}`;
});
