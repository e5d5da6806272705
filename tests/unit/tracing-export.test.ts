import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config.ts";
import { flushTelemetry, inSpan } from "../../shared/telemetry/spans.ts";
import { spacedMetricExporter } from "../../shared/telemetry/tracing-metric-spacing.ts";
import { startTelemetry } from "../../shared/telemetry/tracing-sdk.ts";
import { telemetrySettings, type TelemetrySettings } from "../../shared/telemetry/tracing-settings.ts";

describe("telemetrySettings", () => {
  it.each<{ name: string; env: Record<string, string>; expected: Partial<TelemetrySettings> }>([
    { name: "nothing set: no export", env: {}, expected: { export: "none", serviceName: "genqueue" } },
    {
      name: "an OTLP endpoint: JSON to it",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/", FUNCTION_TARGET: "api" },
      expected: { export: "otlp-json", endpoint: "http://127.0.0.1:4318", serviceName: "api" },
    },
    {
      name: "on Cloud Run: Google's endpoint, the target as service name",
      env: { K_SERVICE: "process-job", FUNCTION_TARGET: "processJob", GOOGLE_CLOUD_PROJECT: "demo-p" },
      expected: { export: "google-cloud", serviceName: "processJob", projectId: "demo-p" },
    },
    {
      name: "on Cloud Run with an endpoint: the endpoint wins",
      env: { K_SERVICE: "api", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" },
      expected: { export: "otlp-json", serviceName: "api" },
    },
    {
      name: "disabled wins over everything",
      env: { OTEL_SDK_DISABLED: "true", K_SERVICE: "api", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" },
      expected: { export: "none" },
    },
    {
      name: "the metric interval",
      env: { OTEL_METRIC_EXPORT_INTERVAL: "5000" },
      expected: { metricExportIntervalMs: 5_000 },
    },
  ])("$name", ({ env, expected }) => {
    expect(telemetrySettings(env)).toMatchObject({ metricExportIntervalMs: 10_000, ...expected });
  });

  it.each([
    { env: { OTEL_SDK_DISABLED: "yes" }, variable: "OTEL_SDK_DISABLED" },
    { env: { OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" }, variable: "OTEL_EXPORTER_OTLP_ENDPOINT" },
    { env: { OTEL_METRIC_EXPORT_INTERVAL: "1000" }, variable: "OTEL_METRIC_EXPORT_INTERVAL" },
    { env: { FUNCTION_TARGET: "no spaces" }, variable: "FUNCTION_TARGET" },
  ])("refuses $variable=$env", ({ env, variable }) => {
    expect(() => telemetrySettings(env)).toThrow(ConfigError);
    expect(() => telemetrySettings(env)).toThrow(new RegExp(variable));
  });
});

/** A metric exporter that records each batch it was given. */
function recordingExporter() {
  const sent: ResourceMetrics[] = [];
  let shutdowns = 0;
  const exporter: PushMetricExporter = {
    export: (batch: ResourceMetrics, done: (result: ExportResult) => void) => {
      sent.push(batch);
      done({ code: ExportResultCode.SUCCESS });
    },
    forceFlush: async () => undefined,
    shutdown: async () => void (shutdowns += 1),
  };
  return { exporter, sent, shutdowns: () => shutdowns };
}

const batch = (n: number) => ({ scopeMetrics: [], n }) as unknown as ResourceMetrics;

describe("spacedMetricExporter", () => {
  it("sends at most one batch per spacing, drops the rest as sent, and sends the last dropped one on shutdown", async () => {
    let now = 0;
    const inner = recordingExporter();
    const spaced = spacedMetricExporter(inner.exporter, 5_000, () => now);
    const results: ExportResult[] = [];
    for (const [at, n] of [
      [0, 1],
      [1_000, 2],
      [4_999, 3],
      [5_000, 4],
      [6_000, 5],
    ] as const) {
      now = at;
      spaced.export(batch(n), (r) => results.push(r));
    }
    expect(inner.sent).toEqual([batch(1), batch(4)]);
    expect(results.map((r) => r.code)).toEqual(Array(5).fill(ExportResultCode.SUCCESS));
    expect(spaced.dropped()).toBe(3);
    await spaced.shutdown();
    expect(inner.sent).toEqual([batch(1), batch(4), batch(5)]);
    expect(inner.shutdowns()).toBe(1);
  });
});

describe("flushTelemetry", () => {
  it("resolves without an SDK", async () => {
    await expect(flushTelemetry(10)).resolves.toBeUndefined();
  });

  it("gives up waiting on an export that never finishes, and never rejects", async () => {
    const exports: ReadableSpan[][] = [];
    // An exporter whose export never calls back: a receiver that hangs.
    const hanging: SpanExporter = {
      export: (spans) => void exports.push(spans),
      shutdown: async () => undefined,
    };
    const telemetry = startTelemetry({
      serviceName: "unit",
      spanProcessors: [new SimpleSpanProcessor({ exporter: hanging })],
      detectGcp: false,
      instrumentations: [],
    });
    await inSpan("work", {}, async () => undefined);
    await expect(flushTelemetry(50)).resolves.toBeUndefined();
    expect(exports.flat().map((s) => s.name)).toEqual(["work"]);
    await telemetry.shutdown();
  });
});
