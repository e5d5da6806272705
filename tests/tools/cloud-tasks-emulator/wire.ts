import { z } from "zod";

/**
 * Decoders for the request messages as `@grpc/proto-loader` hands them over (see protos.ts:
 * camelCase, enum names, int64 as numbers, absent fields `undefined`), and encoders for the
 * Duration/Timestamp shapes. Handlers parse `call.request` with these schemas before using it.
 */

const optionalNumber = z.number().nullish();
const optionalString = z.string().nullish();

export const durationSchema = z.object({ seconds: optionalNumber, nanos: optionalNumber });
export type DurationMessage = z.infer<typeof durationSchema>;
export const timestampSchema = durationSchema;
export type TimestampMessage = z.infer<typeof timestampSchema>;

const bytesSchema = z.instanceof(Uint8Array).nullish();
const viewSchema = z.enum(["VIEW_UNSPECIFIED", "BASIC", "FULL"]).nullish();

export const appEngineRoutingSchema = z.object({
  service: optionalString,
  version: optionalString,
  instance: optionalString,
  host: optionalString,
});
export type AppEngineRoutingMessage = z.infer<typeof appEngineRoutingSchema>;

export const queueSchema = z.object({
  name: optionalString,
  appEngineRoutingOverride: appEngineRoutingSchema.nullish(),
  rateLimits: z
    .object({
      maxDispatchesPerSecond: optionalNumber,
      maxBurstSize: optionalNumber,
      maxConcurrentDispatches: optionalNumber,
    })
    .nullish(),
  retryConfig: z
    .object({
      maxAttempts: optionalNumber,
      maxRetryDuration: durationSchema.nullish(),
      minBackoff: durationSchema.nullish(),
      maxBackoff: durationSchema.nullish(),
      maxDoublings: optionalNumber,
    })
    .nullish(),
  stackdriverLoggingConfig: z.object({ samplingRatio: optionalNumber }).nullish(),
});
export type QueueMessage = z.infer<typeof queueSchema>;

export const httpRequestSchema = z.object({
  url: optionalString,
  httpMethod: optionalString,
  headers: z.record(z.string(), z.string()).nullish(),
  body: bytesSchema,
  oauthToken: z.object({ serviceAccountEmail: optionalString, scope: optionalString }).nullish(),
  oidcToken: z.object({ serviceAccountEmail: optionalString, audience: optionalString }).nullish(),
});
export type HttpRequestMessage = z.infer<typeof httpRequestSchema>;

export const taskSchema = z.object({
  name: optionalString,
  httpRequest: httpRequestSchema.nullish(),
  appEngineHttpRequest: z.object({ relativeUri: optionalString }).loose().nullish(),
  scheduleTime: timestampSchema.nullish(),
  dispatchDeadline: durationSchema.nullish(),
});
export type TaskMessage = z.infer<typeof taskSchema>;

export const nameRequestSchema = z.object({ name: optionalString, responseView: viewSchema });
export const listRequestSchema = z.object({
  parent: optionalString,
  filter: optionalString,
  pageSize: optionalNumber,
  pageToken: optionalString,
  responseView: viewSchema,
});
export const createQueueRequestSchema = z.object({ parent: optionalString, queue: queueSchema.nullish() });
export const updateQueueRequestSchema = z.object({
  queue: queueSchema.nullish(),
  updateMask: z.object({ paths: z.array(z.string()).nullish() }).nullish(),
});
export const createTaskRequestSchema = z.object({
  parent: optionalString,
  task: taskSchema.nullish(),
  responseView: viewSchema,
});

/** A Duration in ms, or `undefined` when the field is absent. Nanos below 1 ms are truncated. */
export function durationToMs(duration: DurationMessage | null | undefined): number | undefined {
  if (duration === null || duration === undefined) return undefined;
  return (duration.seconds ?? 0) * 1000 + Math.trunc((duration.nanos ?? 0) / 1_000_000);
}

/** A Timestamp as epoch ms with µs precision (the finest production keeps), or `undefined`. */
export function timestampToMs(timestamp: TimestampMessage | null | undefined): number | undefined {
  if (timestamp === null || timestamp === undefined) return undefined;
  return (timestamp.seconds ?? 0) * 1000 + Math.trunc((timestamp.nanos ?? 0) / 1000) / 1000;
}

/** Epoch ms (fractional allowed) as a Timestamp, truncated to µs. */
export function msToTimestamp(ms: number): { seconds: number; nanos: number } {
  const micros = Math.floor(ms * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  return { seconds, nanos: (micros - seconds * 1_000_000) * 1000 };
}

/** A duration in ms as a Duration. */
export function msToDuration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.trunc(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

/** Epoch ms truncated to µs, the precision of every time the emulator stores. */
export function truncateToMicros(ms: number): number {
  return Math.floor(ms * 1000) / 1000;
}

/**
 * Seconds since the epoch with six fractional digits, as production sends `X-CloudTasks-TaskETA`
 * (e.g. `1721236265.266817`). Built from integer µs so no float rounding leaks into the digits.
 */
export function formatEtaSeconds(ms: number): string {
  const micros = Math.floor(ms * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros - seconds * 1_000_000).padStart(6, "0")}`;
}
