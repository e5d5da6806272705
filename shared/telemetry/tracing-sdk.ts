import { randomUUID } from "node:crypto";
import { diag, DiagLogLevel, type Attributes, type DiagLogger } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { gcpDetector } from "@opentelemetry/resource-detector-gcp";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import type { IMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { AlwaysOnSampler, ParentBasedSampler, type SpanProcessor } from "@opentelemetry/sdk-trace";

type Instrumentations = NonNullable<ConstructorParameters<typeof NodeSDK>[0]>["instrumentations"];

export interface TelemetryOptions {
  /** `service.name` (the function target). */
  serviceName: string;
  /** Extra resource attributes (`gcp.project_id`). */
  resourceAttributes?: Attributes;
  spanProcessors: SpanProcessor[];
  /** @defaultValue none: no MeterProvider is registered */
  metricReaders?: IMetricReader[];
  /** Ask the metadata server what runs us (Cloud Run / Functions). @defaultValue true */
  detectGcp?: boolean;
  /** @defaultValue {@link defaultInstrumentations} */
  instrumentations?: Instrumentations;
}

export interface Telemetry {
  /** Flushes and stops every provider; never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Outgoing calls only, and only inside a span of ours: `fetch` (PixelLab) through undici, and
 * `http.request` callers. Incoming requests get no automatic span: the functions start their own
 * server span (`tracing-request.ts`), which ends before the answer and so is flushed with it; an
 * automatic one would end after the answer, when the CPU is throttled, and leave our spans with a
 * parent that may never be exported.
 */
export function defaultInstrumentations(): Instrumentations {
  return [
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: true,
      requireParentforOutgoingSpans: true,
    }),
  ];
}

/**
 * Starts the OpenTelemetry SDK and registers it globally (tracer and meter providers, the
 * AsyncLocalStorage context manager, the W3C propagator). Every span is recorded: a job's trace is
 * what a user quotes, so it must exist even when the front end that called us did not sample (Cloud
 * Run's `traceparent` usually says "not sampled"); a local parent's decision is kept.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  diag.setLogger(stderrDiagLogger(), DiagLogLevel.WARN);
  const resource = defaultResource().merge(
    resourceFromAttributes({
      "service.name": options.serviceName,
      // Cloud Monitoring needs each instance's series apart (one point per series per 5 s).
      "service.instance.id": randomUUID(),
      ...options.resourceAttributes,
    }),
  );
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource,
    resourceDetectors: options.detectGcp === false ? [] : [gcpDetector],
    textMapPropagator: new W3CTraceContextPropagator(),
    sampler: new ParentBasedSampler({
      root: new AlwaysOnSampler(),
      remoteParentNotSampled: new AlwaysOnSampler(),
    }),
    spanProcessors: options.spanProcessors,
    metricReaders: options.metricReaders ?? [],
    logRecordProcessors: [], // logs go to stdout as JSON lines, which Cloud Logging reads
    instrumentations: options.instrumentations ?? defaultInstrumentations(),
  });
  sdk.start();
  return {
    shutdown: () => sdk.shutdown().catch(() => undefined),
  };
}

/** How often one diagnostic line may be written, in ms: a failing exporter must not flood the log. */
const DIAG_LINE_MS = 10_000;

/**
 * The SDK's own warnings (an export that failed, a bad attribute) as Cloud Logging JSON lines on
 * stderr, at most one per {@link DIAG_LINE_MS}. The SDK never throws into our code; without this its
 * failures would be silent.
 */
function stderrDiagLogger(): DiagLogger {
  let lastAt = Number.NEGATIVE_INFINITY;
  const write =
    (severity: string) =>
    (message: string, ...args: unknown[]) => {
      const now = Date.now();
      if (now - lastAt < DIAG_LINE_MS) return;
      lastAt = now;
      const detail = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
      const line = {
        severity,
        message: `opentelemetry: ${message}${detail && ` ${detail}`}`.slice(0, 2_000),
      };
      process.stderr.write(`${JSON.stringify(line)}\n`);
    };
  return {
    error: write("ERROR"),
    warn: write("WARNING"),
    info: write("INFO"),
    debug: write("DEBUG"),
    verbose: write("DEBUG"),
  };
}
