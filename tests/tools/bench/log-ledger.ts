import { closeSync, openSync, readSync, statSync } from "node:fs";

/** Firestore operations one request or delivery did, as its log line reports them. */
export interface FirestoreOps {
  reads: number;
  writes: number;
  deletes: number;
}

/** The `api` function's last line for one request (`"request handled"`). */
export interface RequestLine {
  traceId: string | null;
  route: string;
  status: number | null;
  outcome: string | null;
  jobId: string | null;
  durationMs: number;
  firestore: FirestoreOps | null;
}

/** `processJob`'s last line for one delivery (`"delivery handled"`). */
export interface DeliveryLine {
  jobId: string;
  attempt: number | null;
  taskName: string | null;
  outcome: string | null;
  durationMs: number;
  pixellabMs: number | null;
  sharedGeneration: boolean | null;
  firestore: FirestoreOps | null;
}

/**
 * The functions' per-request log lines, read incrementally from their log files (one JSON object per
 * line) and indexed by trace id (the benchmark gives every submission its own) and by job id.
 */
export interface LogLedger {
  /** Reads what the files gained since the last call (new files included). */
  refresh(files: readonly { name: string; file: string }[]): void;
  requestsByTrace(traceId: string): readonly RequestLine[];
  deliveriesByJob(jobId: string): readonly DeliveryLine[];
  /** How many lines of each kind were read: zero means the functions do not log them (yet). */
  counts(): { requests: number; deliveries: number; withFirestore: number };
}

export function createLogLedger(): LogLedger {
  const offsets = new Map<string, number>();
  const partial = new Map<string, string>();
  const byTrace = new Map<string, RequestLine[]>();
  const byJob = new Map<string, DeliveryLine[]>();
  const counts = { requests: 0, deliveries: 0, withFirestore: 0 };
  const take = (line: string) => {
    const record = parseJson(line);
    if (record === undefined) return;
    const message = record.message ?? record.msg;
    if (message === "request handled") {
      const parsed = requestLine(record);
      counts.requests += 1;
      if (parsed.firestore !== null) counts.withFirestore += 1;
      if (parsed.traceId !== null) push(byTrace, parsed.traceId, parsed);
    } else if (message === "delivery handled") {
      const parsed = deliveryLine(record);
      if (parsed === undefined) return;
      counts.deliveries += 1;
      if (parsed.firestore !== null) counts.withFirestore += 1;
      push(byJob, parsed.jobId, parsed);
    }
  };
  return {
    refresh(files) {
      for (const { file } of files) {
        const text = readFrom(file, offsets);
        if (text === "") continue;
        const lines = ((partial.get(file) ?? "") + text).split("\n");
        partial.set(file, lines.pop() ?? "");
        lines.forEach(take);
      }
    },
    requestsByTrace: (traceId) => byTrace.get(traceId) ?? [],
    deliveriesByJob: (jobId) => byJob.get(jobId) ?? [],
    counts: () => ({ ...counts }),
  };
}

function readFrom(file: string, offsets: Map<string, number>): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return "";
  }
  const from = offsets.get(file) ?? 0;
  if (size <= from) return "";
  const buffer = Buffer.alloc(size - from);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  offsets.set(file, size);
  return buffer.toString("utf8");
}

type LogRecord = Record<string, unknown>;

function parseJson(line: string): LogRecord | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === "object" && value !== null ? (value as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T) {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** `firestore: {reads, writes, deletes}`, or the same as flat `firestoreReads`-style fields. */
function firestoreOps(record: LogRecord): FirestoreOps | null {
  const nested = record.firestore as LogRecord | undefined;
  const source = typeof nested === "object" && nested !== null ? nested : undefined;
  const reads = num(source?.reads ?? record.firestoreReads);
  const writes = num(source?.writes ?? record.firestoreWrites);
  const deletes = num(source?.deletes ?? record.firestoreDeletes);
  if (reads === null && writes === null && deletes === null) return null;
  return { reads: reads ?? 0, writes: writes ?? 0, deletes: deletes ?? 0 };
}

function requestLine(record: LogRecord): RequestLine {
  const trace = str(record["logging.googleapis.com/trace"]);
  return {
    traceId: trace === null ? null : (trace.split("/").pop() ?? null),
    route: str(record.route) ?? `${str(record.method) ?? "?"} ${str(record.path) ?? "?"}`,
    status: num(record.status ?? record.statusCode),
    outcome: str(record.outcome),
    jobId: str(record.jobId),
    durationMs: num(record.durationMs) ?? 0,
    firestore: firestoreOps(record),
  };
}

function deliveryLine(record: LogRecord): DeliveryLine | undefined {
  const jobId = str(record.jobId);
  if (jobId === null) return undefined;
  const shared = record.sharedGeneration;
  return {
    jobId,
    attempt: num(record.attempt),
    taskName: str(record.taskName),
    outcome: str(record.outcome),
    durationMs: num(record.durationMs) ?? 0,
    pixellabMs: num(record.pixellabMs),
    sharedGeneration: typeof shared === "boolean" ? shared : null,
    firestore: firestoreOps(record),
  };
}
