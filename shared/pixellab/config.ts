import { DEFAULT_BASE_URL, normaliseBaseUrl } from "./endpoints.ts";

/** Where PixelLab is and how to authenticate, read once at cold start. */
export interface PixelLabConfig {
  /** @defaultValue `https://api.pixellab.ai/v1` */
  baseUrl: string;
  apiKey: string;
}

/** A missing or unusable PixelLab setting; names the variable, never echoes the key. */
export class PixelLabConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PixelLabConfigError";
  }
}

/**
 * Reads `PIXELLAB_BASE_URL` (default the real v1 API) and `PIXELLAB_API_KEY` (falling back to
 * `PIXELLAB_SECRET`, the official SDKs' name). Pure: pass `process.env` explicitly.
 */
export function loadPixelLabConfig(env: Readonly<Record<string, string | undefined>>): PixelLabConfig {
  const apiKey = (env.PIXELLAB_API_KEY ?? env.PIXELLAB_SECRET ?? "").trim();
  if (apiKey === "") throw new PixelLabConfigError("PIXELLAB_API_KEY is not set (nor PIXELLAB_SECRET)");
  const rawBase = env.PIXELLAB_BASE_URL?.trim() || DEFAULT_BASE_URL;
  try {
    return { baseUrl: normaliseBaseUrl(rawBase), apiKey };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PixelLabConfigError(`PIXELLAB_BASE_URL=${JSON.stringify(rawBase)} is not usable: ${reason}`);
  }
}
