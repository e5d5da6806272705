/**
 * Starts OpenTelemetry before the function code loads, so the instrumentations see every module the
 * Functions Framework and our code import. Loaded with `node --import ./shared/telemetry/preload.ts`
 * (`npm start`) and `NODE_OPTIONS=--import ./shared/telemetry/preload.js` (the deployed artifact).
 * Where telemetry goes is decided from the environment (`tracing-settings.ts`); with nothing to
 * export nothing is started, and the SDK's modules are not even loaded.
 *
 * It never stops the function: a bad setting or an SDK that fails to start is reported on stderr
 * and the function runs untraced (the API and the task handler still work; only their telemetry is
 * missing, which the missing traces and metrics themselves make visible).
 */
import { telemetrySettings } from "./tracing-settings.ts";

function report(message: string, error: unknown): void {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ severity: "ERROR", message: `${message}: ${detail}` })}\n`);
}

try {
  const settings = telemetrySettings(process.env);
  if (settings.export !== "none") {
    const [{ startTelemetry }, { exportsFor }] = await Promise.all([
      import("./tracing-sdk.ts"),
      import("./tracing-exporters.ts"),
    ]);
    startTelemetry({
      serviceName: settings.serviceName,
      // Off GCP the metadata server is absent, and asking it only yields empty attributes.
      detectGcp: settings.export === "google-cloud",
      ...exportsFor(settings),
    });
  }
} catch (error) {
  report("telemetry not started; the function runs without it", error);
}
