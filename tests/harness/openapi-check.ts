import { Ajv2020 } from "ajv/dist/2020.js";
import { openApiDocument } from "../../shared/http/openapi.ts";

const DOC_ID = "urn:pixellab-queue:openapi";
type Json = Record<string, unknown>;

/** JSON Pointer escaping of one path segment (RFC 6901). */
const escape = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * Checks real answers against the served OpenAPI document: the whole document is one JSON Schema
 * resource for Ajv (2020-12, OpenAPI 3.1's dialect), and each answer is validated against the
 * schema documented for its route, method, status and media type.
 */
export function openApiChecker(doc: Json = openApiDocument()) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const responseOf = (template: string, method: string, status: number): Json | undefined => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const responses = paths[template]?.[method.toLowerCase()]?.responses as Record<string, Json> | undefined;
    return responses?.[String(status)];
  };
  return {
    /** Problems with one answer; empty when it matches the document. */
    check(template: string, method: string, status: number, contentType: string, body: unknown): string[] {
      const response = responseOf(template, method, status);
      if (response === undefined) return [`${method} ${template} documents no ${status}`];
      const content = response.content as Record<string, unknown> | undefined;
      if (content === undefined) return body === undefined ? [] : [`${status} documents no body`];
      const mediaType = contentType.split(";")[0]?.trim() ?? "";
      if (!(mediaType in content))
        return [`${status} documents ${Object.keys(content).join(", ")}, not ${mediaType}`];
      const pointer = [
        "paths",
        template,
        method.toLowerCase(),
        "responses",
        String(status),
        "content",
        mediaType,
        "schema",
      ]
        .map(escape)
        .join("/");
      const validate = ajv.getSchema(`${DOC_ID}#/${pointer}`);
      if (validate === undefined) return [`no schema at ${pointer}`];
      if (validate(body)) return [];
      return (validate.errors ?? []).map(
        (e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
      );
    },
    /** Problems with a webhook delivery's body against the document's `webhooks.{event}`; empty when it matches. */
    checkWebhook(event: string, body: unknown): string[] {
      const pointer = ["webhooks", event, "post", "requestBody", "content", "application/json", "schema"]
        .map(escape)
        .join("/");
      const validate = ajv.getSchema(`${DOC_ID}#/${pointer}`);
      if (validate === undefined) return [`no schema at ${pointer}`];
      if (validate(body)) return [];
      return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
    },
    /** Whether a request body matches the documented request schema of `POST /v1/jobs`. */
    submitRequestValid(body: unknown): boolean {
      const validate = ajv.getSchema(`${DOC_ID}#/components/schemas/SubmitRequest`);
      if (validate === undefined) throw new Error("SubmitRequest is not documented");
      return validate(body) === true;
    },
  };
}
