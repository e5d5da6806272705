import { readFileSync } from "node:fs";

/** Log lines that mention one job, oldest first, condensed to `time service message {fields}`. */
export type JobTrace = string[];

const SKIP = new Set([
  "time",
  "severity",
  "level",
  "message",
  "msg",
  "pid",
  "hostname",
  "v",
  "name",
  "queue",
]);
const MAX_LINES = 40;

/**
 * Collects, for each of `jobIds`, every line of the services' logs that names it (the functions log
 * `jobId`, the Cloud Tasks emulator logs task names `job-{id}-…`), so a violation reads as a story.
 */
export function traceJobs(
  jobIds: readonly string[],
  logFiles: readonly { name: string; file: string }[],
): Record<string, JobTrace> {
  const found: Record<string, { at: string; line: string }[]> = Object.fromEntries(
    jobIds.map((id) => [id, []]),
  );
  if (jobIds.length === 0) return {};
  for (const { name, file } of logFiles) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const raw of text.split("\n")) {
      const ids = jobIds.filter((id) => raw.includes(id));
      if (ids.length === 0) continue;
      const line = condense(name, raw);
      for (const id of ids) found[id]?.push(line);
    }
  }
  return Object.fromEntries(
    Object.entries(found).map(([id, lines]) => {
      const sorted = lines.sort((a, b) => a.at.localeCompare(b.at)).map((l) => l.line);
      const cut = sorted.length > MAX_LINES ? [`… ${sorted.length - MAX_LINES} earlier lines`] : [];
      return [id, [...cut, ...sorted.slice(-MAX_LINES)]];
    }),
  );
}

function condense(service: string, raw: string): { at: string; line: string } {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { at: "", line: `${service}: ${raw.slice(0, 300)}` };
  }
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString() : String(entry.time ?? "");
  const message = String(entry.message ?? entry.msg ?? "");
  const fields = Object.fromEntries(
    Object.entries(entry)
      .filter(([k]) => !SKIP.has(k) && !k.startsWith("logging.googleapis.com"))
      // Task names are long paths; their last segment (`job-{id}-r1-a2`) says it all.
      .map(([k, v]) => [
        k,
        typeof v === "string" && v.includes("/tasks/") ? v.slice(v.lastIndexOf("/") + 1) : v,
      ]),
  );
  const rest = JSON.stringify(fields);
  return { at: time, line: `${time.slice(11, 23)} ${service} ${message} ${rest.slice(0, 400)}` };
}
