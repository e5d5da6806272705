import { referenceRows, type ReferenceRow } from "./api-reference-view.ts";
import { loadWebConfig } from "./web-config.ts";

/** The API reference page: the deployment's own `/openapi.json`, read by people. */
async function main(): Promise<void> {
  const status = document.getElementById("reference-status") as HTMLElement;
  const config = await loadWebConfig();
  const url = `${config.apiBaseUrl}/openapi.json`;
  const link = document.getElementById("openapi-link") as HTMLAnchorElement;
  link.href = url;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const doc = (await response.json()) as Record<string, unknown>;
  const info = doc.info as { title?: string; version?: string } | undefined;
  status.textContent = `${info?.title ?? "API"} ${info?.version ?? ""} · OpenAPI ${String(doc.openapi)}`;
  const list = document.getElementById("operations") as HTMLElement;
  list.replaceChildren(...referenceRows(doc).map(render));
}

function render(row: ReferenceRow): HTMLElement {
  const section = document.createElement("section");
  section.className = "operation";
  section.dataset.route = `${row.method} ${row.path}`;
  const title = document.createElement("h2");
  title.textContent = `${row.method} ${row.path}`;
  const summary = document.createElement("p");
  summary.textContent = `${row.summary} (${row.access})`;
  section.append(title, summary, list("Parameters", row.parameters), list("Responses", row.responses));
  return section;
}

function list(heading: string, items: string[]): HTMLElement {
  const wrap = document.createElement("div");
  if (items.length === 0) return wrap;
  const h = document.createElement("h3");
  h.textContent = heading;
  const ul = document.createElement("ul");
  ul.append(
    ...items.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }),
  );
  wrap.append(h, ul);
  return wrap;
}

main().catch((error: unknown) => {
  const status = document.getElementById("reference-status");
  if (status !== null) status.textContent = `Could not load the API's contract: ${String(error)}`;
});
