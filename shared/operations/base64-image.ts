import { z } from "zod";

/** The image formats PixelLab reads, recognised by their magic bytes. */
export type ImageFormat = "png" | "jpeg" | "gif" | "webp";

const DATA_URI = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Recognises an image by its first bytes; undefined when it is none of the formats above. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (starts(0xff, 0xd8, 0xff)) return "jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) return "webp";
  return undefined;
}

/**
 * Accepts raw base64 or a `data:` URI (PixelLab's own examples send both) and returns the raw base64
 * without whitespace, or an error message. Pure; used by validation and by the PixelLab client.
 */
export function decodeImageBase64(
  value: string,
): { ok: true; base64: string; bytes: Buffer; format: ImageFormat } | { ok: false; message: string } {
  const raw = value.replace(DATA_URI, "").replace(/\s+/g, "");
  if (raw.length === 0) return { ok: false, message: "image is empty" };
  if (raw.length % 4 !== 0 || !BASE64.test(raw)) return { ok: false, message: "is not valid base64" };
  const bytes = Buffer.from(raw, "base64");
  const format = sniffImageFormat(bytes);
  if (format === undefined) return { ok: false, message: "is not a PNG, JPEG, GIF or WebP image" };
  return { ok: true, base64: raw, bytes, format };
}

/**
 * PixelLab's `Base64Image`: `{type:"base64", base64, format?}`. Normalised so that the same picture
 * always gives the same value: the data-URI prefix and whitespace are dropped, and `format` is set
 * from the bytes themselves (a PNG labelled "jpg" is still a PNG to PixelLab).
 */
export const base64Image = z
  .strictObject({
    type: z.literal("base64").default("base64"),
    base64: z.string(),
    format: z.string().max(16).optional(),
  })
  .transform((image, ctx) => {
    const decoded = decodeImageBase64(image.base64);
    if (!decoded.ok) {
      ctx.issues.push({ code: "custom", message: decoded.message, input: image.base64, path: ["base64"] });
      return z.NEVER;
    }
    return { type: "base64" as const, base64: decoded.base64, format: decoded.format };
  });

export type Base64Image = z.output<typeof base64Image>;

/** An optional image field: absent and null are the same request. */
export const optionalImage = base64Image.nullable().default(null);
