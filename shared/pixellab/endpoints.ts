import type { OperationName } from "../operations/operations.ts";

/** PixelLab's v1 API, the base the official SDKs default to (reference §1). */
export const DEFAULT_BASE_URL = "https://api.pixellab.ai/v1";

/** v2 renamed the two image generators; rotate and animate-with-text kept their names (§3.1). */
const V2_PATHS: Readonly<Record<OperationName, string>> = {
  "generate-image-pixflux": "create-image-pixflux",
  "generate-image-bitforge": "create-image-bitforge",
  rotate: "rotate",
  "animate-with-text": "animate-with-text",
};

/** The API version a base URL points at: `v2` when its path ends in `/v2`, else `v1`. */
export function apiVersion(baseUrl: string): "v1" | "v2" {
  return /\/v2$/.test(new URL(baseUrl).pathname.replace(/\/+$/, "")) ? "v2" : "v1";
}

/** Validates a base URL (http or https, no query) and drops trailing slashes. Throws on anything else. */
export function normaliseBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`PixelLab base URL must be http(s), got ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "")
    throw new Error("PixelLab base URL must not have a query or fragment");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** `POST` URL of an operation: the v1 name under a v1 base, the v2 name under a v2 base. */
export function operationUrl(baseUrl: string, operation: OperationName): string {
  const path = apiVersion(baseUrl) === "v2" ? V2_PATHS[operation] : operation;
  return `${baseUrl}/${path}`;
}

/** `GET` URL of the balance (same path on v1 and v2, different shapes). */
export function balanceUrl(baseUrl: string): string {
  return `${baseUrl}/balance`;
}

/**
 * `GET` URL of a v2 background job. v2 lives beside v1 (`https://api.pixellab.ai/v1` →
 * `https://api.pixellab.ai/v2/background-jobs/{id}`), so the trailing `/v1` or `/v2` of the base is
 * replaced by `/v2`; a base without a version segment gets `/v2` appended. For the real API this is
 * the base URL's origin plus `/v2/...`; a prefixed base (a proxy at `http://host/pixellab/v1`) keeps
 * its prefix.
 */
export function backgroundJobUrl(baseUrl: string, jobId: string): string {
  const root = baseUrl.replace(/\/v[12]$/, "");
  return `${root}/v2/background-jobs/${encodeURIComponent(jobId)}`;
}
