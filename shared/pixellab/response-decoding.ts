import { z } from "zod";
import { decodeImageBase64 } from "../operations/base64-image.ts";
import { readPng } from "./png-header.ts";
import { decodeUsage, type Usage } from "./usage.ts";

/** What a successful answer must contain, derived from the request (see `expectedOutput`). */
export interface ExpectedOutput {
  /** Each image's width, in pixels. */
  width: number;
  /** Each image's height, in pixels. */
  height: number;
  /** The image counts accepted (1 for single-image operations; several readings for animations). */
  frameCounts: readonly number[];
}

/** One generated picture: a PNG whose header was read and checked against the request. */
export interface GeneratedImage {
  /** Raw base64 (no `data:` prefix). */
  base64: string;
  width: number;
  height: number;
  format: "png";
}

/** A generation's outcome: the checked images (frames in order) and the cost as PixelLab reported it. */
export interface GenerationResult {
  images: GeneratedImage[];
  usage: Usage | null;
}

/** A create call's answer: the result itself (sync 200) or the id of a v2 background job. */
export type CreateOutcome =
  | { kind: "completed"; result: GenerationResult }
  | { kind: "background"; jobId: string; status: string; usage: Usage | null };

/** One poll of `GET /v2/background-jobs/{id}`. */
export interface BackgroundJobSnapshot {
  status: string;
  lastResponse: Record<string, unknown> | null;
  usage: Usage | null;
}

/** The outcome of decoding: a value, or what is wrong with the body (the caller makes it an error). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

// Zod at the boundary: bodies arrive as `unknown` and are checked before anything reads them. Loose
// objects, because PixelLab adds members (resource ids, `created_at`) that we do not need.
const imageBody = z.union([z.string(), z.looseObject({ base64: z.string(), format: z.string().nullish() })]);
const syncBody = z.looseObject({
  image: imageBody.nullish(),
  images: z.array(imageBody).nullish(),
  usage: z.unknown().optional(),
});
const backgroundCreateBody = z.looseObject({
  background_job_id: z.string().min(1),
  status: z.string().nullish(),
  usage: z.unknown().optional(),
});
const jobBody = z.looseObject({
  status: z.string(),
  last_response: z.record(z.string(), z.unknown()).nullish(),
  usage: z.unknown().optional(),
});

/**
 * Decodes a create call's 2xx body. A `background_job_id` means a v2 background job, whatever the
 * endpoint (detected by shape, not by path); otherwise it must carry `image` or `images`.
 */
export function decodeCreateResponse(body: unknown, expected: ExpectedOutput): Decoded<CreateOutcome> {
  const background = backgroundCreateBody.safeParse(body);
  if (background.success) {
    const { background_job_id: jobId, status, usage } = background.data;
    return {
      ok: true,
      value: { kind: "background", jobId, status: status ?? "processing", usage: decodeUsage(usage) },
    };
  }
  const result = decodeResultBody(body, expected);
  return result.ok ? { ok: true, value: { kind: "completed", result: result.value } } : result;
}

/** Decodes `{image|images, usage}` (a sync answer, or a finished job's `last_response`). */
export function decodeResultBody(body: unknown, expected: ExpectedOutput): Decoded<GenerationResult> {
  const parsed = syncBody.safeParse(body);
  if (!parsed.success)
    return { ok: false, problem: `unexpected response shape (${firstIssue(parsed.error)})` };
  const raw =
    parsed.data.images ??
    (parsed.data.image === null || parsed.data.image === undefined ? [] : [parsed.data.image]);
  if (raw.length === 0) return { ok: false, problem: "response has no image" };
  const images = decodeImages(raw, expected);
  return images.ok
    ? { ok: true, value: { images: images.value, usage: decodeUsage(parsed.data.usage) } }
    : images;
}

/** Decodes one poll of a background job. */
export function decodeBackgroundJob(body: unknown): Decoded<BackgroundJobSnapshot> {
  const parsed = jobBody.safeParse(body);
  if (!parsed.success)
    return { ok: false, problem: `unexpected background-job shape (${firstIssue(parsed.error)})` };
  const { status, last_response: lastResponse, usage } = parsed.data;
  return { ok: true, value: { status, lastResponse: lastResponse ?? null, usage: decodeUsage(usage) } };
}

/**
 * Decodes each image (raw base64 or a `data:` URI) to bytes, requires a structurally valid PNG of the
 * expected size, and checks the count against `expected.frameCounts`.
 */
export function decodeImages(
  raw: ReadonlyArray<string | { base64: string }>,
  expected: ExpectedOutput,
): Decoded<GeneratedImage[]> {
  if (!expected.frameCounts.includes(raw.length)) {
    return { ok: false, problem: `got ${raw.length} images, expected ${expected.frameCounts.join(" or ")}` };
  }
  const images: GeneratedImage[] = [];
  for (const [index, item] of raw.entries()) {
    const image = decodeOneImage(typeof item === "string" ? item : item.base64, expected);
    if (!image.ok) return { ok: false, problem: `image ${index}: ${image.problem}` };
    images.push(image.value);
  }
  return { ok: true, value: images };
}

function decodeOneImage(value: string, expected: ExpectedOutput): Decoded<GeneratedImage> {
  const decoded = decodeImageBase64(value);
  if (!decoded.ok) return { ok: false, problem: decoded.message };
  if (decoded.format !== "png") return { ok: false, problem: `is a ${decoded.format}, not a PNG` };
  const png = readPng(decoded.bytes);
  if (!png.ok) return { ok: false, problem: `is not a valid PNG: ${png.message}` };
  const { width, height } = png.info;
  if (width !== expected.width || height !== expected.height) {
    return { ok: false, problem: `is ${width}x${height}, expected ${expected.width}x${expected.height}` };
  }
  return { ok: true, value: { base64: decoded.base64, width, height, format: "png" } };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? "invalid" : `${issue.path.join(".") || "(root)"}: ${issue.message}`;
}
