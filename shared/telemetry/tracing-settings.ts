import { EnvReader, type Env } from "../config-parsers.ts";

/**
 * Where the preload sends telemetry, decided from the environment alone (it runs before the
 * function code and before `loadConfig`; the variables are listed in `shared/config.ts` and the
 * README's configuration table all the same):
 * - `OTEL_SDK_DISABLED=true`: nothing is started (tests, and `npm start` without a receiver).
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` set: traces as OTLP/HTTP JSON to `<endpoint>/v1/traces` (the
 *   local stack's receiver); no metrics export (Prometheus scrapes `/metrics` locally).
 * - on GCP (`K_SERVICE` set, no endpoint): traces and metrics as OTLP protobuf to Google's
 *   telemetry endpoint, with the instance's service-account credentials.
 * - otherwise: nothing is started.
 */
export type TelemetryExport = "none" | "otlp-json" | "google-cloud";

export interface TelemetrySettings {
  export: TelemetryExport;
  /** OTLP/HTTP base URL, for `otlp-json`. */
  endpoint: string | undefined;
  /** `service.name`: the function target (`api`, `processJob`, `sweep`). */
  serviceName: string;
  /** `gcp.project_id`, which Google's telemetry endpoint files the data under. */
  projectId: string | undefined;
  /**
   * Least time between two metric exports of one instance, in ms. Cloud Monitoring accepts one
   * point per series per 5 s. @defaultValue 10_000
   */
  metricExportIntervalMs: number;
}

/** Google's OTLP endpoint (`/v1/traces`, `/v1/metrics`). */
export const GOOGLE_TELEMETRY_ENDPOINT = "https://telemetry.googleapis.com";

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/** Reads the telemetry variables; throws a `ConfigError` naming each bad one. */
export function telemetrySettings(env: Env): TelemetrySettings {
  const r = new EnvReader(env);
  const disabled = r.oneOf("OTEL_SDK_DISABLED", "false", ["true", "false"] as const) === "true";
  const endpoint = r.url("OTEL_EXPORTER_OTLP_ENDPOINT", undefined, ["http:", "https:"]);
  const named = (name: string) =>
    r.string(name, undefined, SERVICE_NAME, "must be a name of letters, digits, _ . -");
  const serviceName = named("OTEL_SERVICE_NAME") ?? named("FUNCTION_TARGET") ?? named("K_SERVICE");
  const onGcp = env.K_SERVICE !== undefined && env.K_SERVICE.trim() !== "";
  const settings: TelemetrySettings = {
    export: disabled ? "none" : endpoint !== undefined ? "otlp-json" : onGcp ? "google-cloud" : "none",
    endpoint,
    serviceName: serviceName ?? "genqueue",
    projectId: env.GOOGLE_CLOUD_PROJECT?.trim() || undefined,
    metricExportIntervalMs: r.int("OTEL_METRIC_EXPORT_INTERVAL", 10_000, 5_000, 3_600_000),
  };
  r.done();
  return settings;
}
