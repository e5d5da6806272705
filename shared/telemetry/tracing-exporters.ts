import { context, diag } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { AggregationTemporality, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { GoogleAuth } from "google-auth-library";
import { spacedMetricExporter } from "./tracing-metric-spacing.ts";
import type { TelemetryOptions } from "./tracing-sdk.ts";
import { GOOGLE_TELEMETRY_ENDPOINT, type TelemetrySettings } from "./tracing-settings.ts";

/** Longest one export request may take, in ms; the functions wait far less (`TELEMETRY_FLUSH_MS`). */
const EXPORT_TIMEOUT_MS = 10_000;

type Exports = Pick<TelemetryOptions, "spanProcessors" | "metricReaders" | "resourceAttributes">;

/** The span processors and metric readers the settings ask for (see `tracing-settings.ts`). */
export function exportsFor(settings: TelemetrySettings): Exports {
  switch (settings.export) {
    case "otlp-json":
      return {
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: new OTLPJsonTraceExporter({
              url: `${settings.endpoint}/v1/traces`,
              timeoutMillis: EXPORT_TIMEOUT_MS,
            }),
          }),
        ],
      };
    case "google-cloud":
      return googleCloudExports(settings);
    case "none":
      return { spanProcessors: [] };
  }
}

/**
 * OTLP protobuf to Google's telemetry endpoint: traces land in Cloud Trace, metrics in Cloud
 * Monitoring (as `prometheus.googleapis.com/<name>/<kind>`, queried with PromQL). The service
 * account needs `roles/cloudtrace.agent` and `roles/monitoring.metricWriter`.
 */
function googleCloudExports(settings: TelemetrySettings): Exports {
  const headers = googleAuthHeaders();
  const interval = settings.metricExportIntervalMs;
  const metricExporter = new OTLPMetricExporter({
    url: `${GOOGLE_TELEMETRY_ENDPOINT}/v1/metrics`,
    headers,
    timeoutMillis: EXPORT_TIMEOUT_MS,
    // Cumulative, so a batch dropped by the spacing below loses nothing.
    temporalityPreference: AggregationTemporality.CUMULATIVE,
  });
  return {
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPProtoTraceExporter({
          url: `${GOOGLE_TELEMETRY_ENDPOINT}/v1/traces`,
          headers,
          timeoutMillis: EXPORT_TIMEOUT_MS,
        }),
      }),
    ],
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: spacedMetricExporter(metricExporter, interval),
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(EXPORT_TIMEOUT_MS, interval),
      }),
    ],
    ...(settings.projectId !== undefined && { resourceAttributes: { "gcp.project_id": settings.projectId } }),
  };
}

/**
 * The exporters' `headers` callback: the instance's Application Default Credentials as an
 * `Authorization` header (google-auth-library caches the token and refreshes it before it expires).
 * The callback must not throw: a failure is reported and the export goes out without credentials
 * (and is refused), the function carries on.
 */
function googleAuthHeaders(): () => Promise<Record<string, string>> {
  const auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  return async () => {
    try {
      // The metadata server's token request is our own plumbing, not something to trace.
      const headers = await context.with(suppressTracing(context.active()), () => auth.getRequestHeaders());
      return Object.fromEntries(headers.entries());
    } catch (error) {
      diag.warn("no Google credentials for the telemetry export", error);
      return {};
    }
  };
}
