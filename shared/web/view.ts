import type { JobView } from "../submission/job-view.ts";

/** Looks up an element the page cannot work without. */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** A PNG data URL for a completed job's first image, when the view carries it. */
export function spriteUrl(job: JobView): string | undefined {
  const image = job.result?.images[0];
  return image === undefined ? undefined : `data:image/png;base64,${image.base64}`;
}

/** Shows one state of the followed job: stage, percent, transport, then the sprite or the error. */
export function renderJob(job: JobView, transport: string): void {
  byId("job").hidden = false;
  const status = byId("status");
  status.textContent = `${job.status} · ${job.progress.stage} ${job.progress.percent}%`;
  status.dataset.status = job.status;
  status.dataset.stage = job.progress.stage;
  const via = byId("transport");
  via.textContent = `via ${transport}${job.cached ? " · from cache" : ""}`;
  via.dataset.transport = transport;
  byId<HTMLProgressElement>("progress").value = job.progress.percent;
  renderWaiting(job);
  const error = byId("error");
  error.hidden = job.error === undefined;
  error.textContent = job.error ? `${job.error.type}: ${job.error.message}` : "";
  const sprite = byId<HTMLImageElement>("sprite");
  const url = spriteUrl(job);
  sprite.hidden = url === undefined;
  if (url !== undefined && sprite.src !== url) sprite.src = url;
}

/**
 * Shows why a queued job waits (`GET /v1/jobs/{id}`'s `waiting`), or hides it once the job runs.
 * A listener's views carry no reason (the API works it out per read), so an absent one keeps the
 * last shown while the job is still queued.
 */
export function renderWaiting(job: JobView): void {
  const waiting = byId("waiting");
  if (job.status !== "queued") {
    waiting.hidden = true;
    delete waiting.dataset.code;
    return;
  }
  if (job.waiting === undefined) return;
  waiting.hidden = false;
  waiting.textContent = `Waiting: ${job.waiting.message}`;
  waiting.dataset.code = job.waiting.code;
}

/** Shows an error that is not a job's (a refused submission, a lost connection). */
export function renderProblem(message: string): void {
  byId("job").hidden = false;
  const error = byId("error");
  error.hidden = false;
  error.textContent = message;
}

/** The recent-jobs list, with a cancel button on jobs that can still be stopped. */
export function renderJobList(jobs: JobView[], onCancel: (jobId: string) => void): void {
  const list = byId("jobs");
  list.replaceChildren(
    ...jobs.map((job) => {
      const item = document.createElement("li");
      item.dataset.jobId = job.jobId;
      const url = spriteUrl(job);
      if (url !== undefined) {
        const img = document.createElement("img");
        img.src = url;
        img.alt = "";
        item.append(img);
      }
      const label = document.createElement("span");
      label.textContent = `${new Date(job.createdAt).toLocaleTimeString()} · ${job.status}${job.cached ? " (cache)" : ""}`;
      item.append(label);
      if (job.status === "queued" || job.status === "processing") {
        const cancel = document.createElement("button");
        cancel.type = "button";
        cancel.textContent = job.cancelRequested ? "Cancelling…" : "Cancel";
        cancel.disabled = job.cancelRequested;
        cancel.addEventListener("click", () => onCancel(job.jobId));
        item.append(cancel);
      }
      return item;
    }),
  );
}
