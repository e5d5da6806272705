import { z } from "zod";
import type { AttributeValue, SpanRecord } from "./span-record.ts";

/**
 * OTLP/HTTP JSON (`ExportTraceServiceRequest`, as `@opentelemetry/exporter-trace-otlp-http` sends
 * it) to {@link SpanRecord}s. Only the fields the timeline uses are read; everything else (events,
 * trace state, dropped counts) is ignored. Ids are hex as the OTLP spec says for JSON, but the
 * proto3 JSON mapping's base64 is accepted too; int64 values may be numbers or decimal strings.
 */

/** Thrown for a body that is not an `ExportTraceServiceRequest`; the receiver answers 400 with it. */
export class OtlpDecodeError extends Error {
  override name = "OtlpDecodeError";
}

interface AnyValue {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | string | undefined;
  bytesValue?: string | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValue[] | undefined } | undefined;
}
interface KeyValue {
  key: string;
  value?: AnyValue | undefined;
}

const anyValue: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValue).optional() }).optional(),
  }),
);
const keyValue: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: anyValue.optional() }));

const id = z.string();
const nanos = z.union([z.string().regex(/^\d{1,25}$/), z.number().nonnegative()]);
const kinds = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
const kind = z.union([z.number().int().min(0).max(5), z.enum(kinds.map((k) => `SPAN_KIND_${k}`))]);

const span = z.object({
  traceId: id,
  spanId: id,
  parentSpanId: id.optional(),
  name: z.string(),
  kind: kind.optional(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes: z.array(keyValue).optional(),
  status: z
    .object({ code: z.union([z.number().int(), z.string()]).optional(), message: z.string().optional() })
    .optional(),
  links: z.array(z.object({ traceId: id, spanId: id })).optional(),
});

const request = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: z.array(keyValue).optional() }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(span).optional() })).optional(),
      }),
    )
    .optional(),
});

/** Decodes one export request; throws an {@link OtlpDecodeError} naming the first bad field. */
export function decodeTraceRequest(body: unknown): SpanRecord[] {
  const parsed = request.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OtlpDecodeError(
      `not an ExportTraceServiceRequest: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  const records: SpanRecord[] = [];
  for (const resourceSpans of parsed.data.resourceSpans ?? []) {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    const service = typeof resource["service.name"] === "string" ? resource["service.name"] : "unknown";
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const raw of scope.spans ?? []) records.push(toRecord(raw, service));
    }
  }
  return records;
}

function toRecord(raw: z.infer<typeof span>, service: string): SpanRecord {
  const parent =
    raw.parentSpanId === undefined || raw.parentSpanId === "" ? undefined : spanId(raw.parentSpanId);
  const code = raw.status?.code;
  return {
    traceId: hexId(raw.traceId, 16, "traceId"),
    spanId: spanId(raw.spanId),
    ...(parent !== undefined && { parentSpanId: parent }),
    name: raw.name,
    kind: typeof raw.kind === "string" ? kinds.indexOf(raw.kind.slice("SPAN_KIND_".length)) : (raw.kind ?? 0),
    service,
    startTimeUnixNano: nanosText(raw.startTimeUnixNano),
    endTimeUnixNano: nanosText(raw.endTimeUnixNano),
    attributes: attributeMap(raw.attributes),
    status: {
      code:
        typeof code === "string"
          ? ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"].indexOf(code)
          : (code ?? 0),
      ...(raw.status?.message !== undefined && raw.status.message !== "" && { message: raw.status.message }),
    },
    links: (raw.links ?? []).map((l) => ({
      traceId: hexId(l.traceId, 16, "links.traceId"),
      spanId: spanId(l.spanId),
    })),
  };
}

/** A timestamp as the decimal string of whole nanoseconds (a JSON number loses digits past 2^53). */
const nanosText = (value: string | number) =>
  BigInt(typeof value === "number" ? Math.trunc(value) : value).toString();

const spanId = (value: string) => hexId(value, 8, "spanId");

/** A `bytes`-long id as lowercase hex, from hex (the OTLP JSON rule) or base64 (proto3 JSON). */
function hexId(value: string, bytes: number, field: string): string {
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) return value.toLowerCase();
  const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, "base64") : Buffer.alloc(0);
  if (decoded.length === bytes) return decoded.toString("hex");
  throw new OtlpDecodeError(`${field} ${JSON.stringify(value)} is not ${bytes} bytes of hex or base64`);
}

function attributeMap(list: readonly KeyValue[] | undefined): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) map[key] = plain(value);
  return map;
}

/** An `AnyValue` as plain JSON; an int64 beyond 2^53 stays a decimal string, bytes stay base64. */
function plain(value: AnyValue | undefined): AttributeValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  if (value.kvlistValue !== undefined) return attributeMap(value.kvlistValue.values);
  return null;
}
