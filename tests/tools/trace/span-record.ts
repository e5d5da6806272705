import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * One finished span as the local stack's OTLP receiver stores it: one JSON object per line of the
 * spans file. A flattened OTLP span: the resource's `service.name` is copied onto it and attribute
 * values are plain JSON values, so a line reads on its own (`grep`, `jq`).
 */
export interface SpanRecord {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent for a trace's root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The resource's `service.name` (the function target), or `unknown`. */
  service: string;
  /** Nanoseconds since the Unix epoch, as a decimal string (exact beyond 2^53). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, AttributeValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  /** Spans this one is linked to (a continued job, say). */
  links: { traceId: string; spanId: string }[];
}

export type AttributeValue =
  string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
export const STATUS_ERROR = 2;

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;
const NANOS = /^\d{1,25}$/;

const attributeValue: z.ZodType<AttributeValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(attributeValue),
    z.record(z.string(), attributeValue),
  ]),
);

/** A stored line, checked: a hand-edited or truncated line is skipped, not trusted. */
export const spanRecordSchema = z.object({
  traceId: z.string().regex(HEX_TRACE),
  spanId: z.string().regex(HEX_SPAN),
  parentSpanId: z.string().regex(HEX_SPAN).optional(),
  name: z.string(),
  kind: z.number().int().min(0).max(5),
  service: z.string(),
  startTimeUnixNano: z.string().regex(NANOS),
  endTimeUnixNano: z.string().regex(NANOS),
  attributes: z.record(z.string(), attributeValue),
  status: z.object({ code: z.number().int(), message: z.string().optional() }),
  links: z.array(z.object({ traceId: z.string().regex(HEX_TRACE), spanId: z.string().regex(HEX_SPAN) })),
}) satisfies z.ZodType<SpanRecord>;

/** Thrown when the spans file cannot be read; the CLI prints it and exits 1. */
export class SpansFileError extends Error {
  override name = "SpansFileError";
}

export interface SpansFile {
  spans: SpanRecord[];
  /** Lines that were not a span (truncated by a crash mid-write, edited by hand). */
  skippedLines: number;
}

/** Parses the text of a spans file: one {@link SpanRecord} per line, blank lines ignored. */
export function parseSpanLines(text: string): SpansFile {
  const spans: SpanRecord[] = [];
  let skippedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let decoded: unknown;
    try {
      decoded = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    const parsed = spanRecordSchema.safeParse(decoded);
    if (parsed.success) spans.push(parsed.data);
    else skippedLines++;
  }
  return { spans, skippedLines };
}

/** Reads a spans file; a missing or unreadable one throws a {@link SpansFileError} saying why. */
export function readSpansFile(file: string): SpansFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpansFileError(
      code === "ENOENT"
        ? `no spans file at ${file}: npm start writes it once a function has sent spans (or pass --file)`
        : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  return parseSpanLines(text);
}
