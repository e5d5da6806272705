import { WEBHOOK_SECRET_PATHS, webhookOperations } from "./openapi-webhooks.ts";
import { ADMIN_PATHS } from "./openapi-admin.ts";
import { JOB_PATHS } from "./openapi-jobs.ts";
import { ADMIN, json, ref, type Operation } from "./openapi-parts.ts";
import { componentSchemas } from "./openapi-schemas.ts";

/** Where the API serves its contract (no credentials needed). */
export const OPENAPI_PATH = "/openapi.json";
/** The contract's version: the `/v1` routes' (a breaking change gets `/v2`). */
export const API_VERSION = "1.0.0";

const open = (operationId: string, summary: string, responses: Record<string, unknown>): Operation => ({
  operationId,
  summary,
  security: [],
  responses,
});

/**
 * The API's OpenAPI 3.1 document, built from the zod schemas that validate its requests and read its
 * answers (the client's), so the contract, the validation and the typed client cannot drift apart.
 */
export function openApiDocument(version = API_VERSION): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "PixelLab generation queue",
      version,
      description:
        "Submit PixelLab sprite generations, follow them (Firestore listener on `jobs/{jobId}`, or " +
        "long-polling `GET /v1/jobs/{jobId}`), and fetch their images. Errors are RFC 9457 problems.",
    },
    security: [{ firebaseIdToken: [] }],
    paths: {
      [OPENAPI_PATH]: {
        get: open("getOpenApi", "This document", {
          "200": { description: "OpenAPI 3.1.", content: json({ type: "object" }) },
        }),
      },
      "/healthz": {
        get: open("liveness", "Liveness", {
          "200": {
            description: "Up.",
            content: json({ type: "object", properties: { status: { const: "ok" } }, required: ["status"] }),
          },
        }),
      },
      "/health": {
        get: open("readiness", "Readiness: Firestore, Cloud Tasks and Redis probed", {
          "200": { description: "Healthy.", content: json(ref("Health")) },
          "503": { description: "A required dependency is down.", content: json(ref("Health")) },
        }),
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          summary: "Prometheus metrics (the metrics token, or an operator's ID token)",
          security: [{ metricsToken: [] }, { firebaseIdToken: [] }],
          responses: {
            "200": {
              description: "Prometheus text format.",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            ...ADMIN,
          },
        },
      },
      ...JOB_PATHS,
      ...WEBHOOK_SECRET_PATHS,
      ...ADMIN_PATHS,
    },
    webhooks: webhookOperations(),
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        firebaseIdToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A Firebase Auth ID token; operator routes need the `admin` custom claim.",
        },
        metricsToken: {
          type: "http",
          scheme: "bearer",
          description: "The deployment's METRICS_TOKEN secret.",
        },
        appCheck: {
          type: "apiKey",
          in: "header",
          name: "X-Firebase-AppCheck",
          description:
            "A Firebase App Check token; the job routes need it when the deployment sets `APP_CHECK=required`.",
        },
      },
    },
  };
}
