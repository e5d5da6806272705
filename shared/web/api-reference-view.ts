/** One operation of the OpenAPI document, as the reference page lists it. */
export interface ReferenceRow {
  method: string;
  path: string;
  summary: string;
  /** "operator", "public" or "user": who may call it (from the operation's security); "receiver" for a webhook. */
  access: string;
  parameters: string[];
  /** `status: description`, in status order. */
  responses: string[];
}

type Json = Record<string, unknown>;
const METHODS = ["get", "post", "delete"] as const;

/**
 * The document's operations, in path order, as rows a person can read; then its webhooks (what the
 * queue POSTs to a job's `options.webhook.url`), as `WEBHOOK job.completed` rows for the receiver.
 */
export function referenceRows(doc: Json): ReferenceRow[] {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const webhooks = (doc.webhooks ?? {}) as Record<string, Record<string, Json>>;
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => row(path, m, item[m] as Json)),
  );
  const deliveries = Object.entries(webhooks)
    .filter(([, item]) => item.post !== undefined)
    .map(([event, item]) => ({
      ...row(event, "post", item.post as Json),
      method: "WEBHOOK",
      access: "receiver",
    }));
  return [...operations, ...deliveries];
}

function row(path: string, method: string, op: Json): ReferenceRow {
  const security = op.security as unknown[] | undefined;
  const access = path.startsWith("/v1/admin") ? "operator" : security?.length === 0 ? "public" : "user";
  const parameters = ((op.parameters ?? []) as Json[]).map(
    (p) => `${String(p.name)} (${String(p.in)}${p.required === true ? ", required" : ""})`,
  );
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, r]) => `${status}: ${String(r.description ?? "")}`);
  return {
    method: method.toUpperCase(),
    path,
    summary: String(op.summary ?? ""),
    access,
    parameters,
    responses,
  };
}
