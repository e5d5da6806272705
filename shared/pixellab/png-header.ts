import { crc32 } from "node:zlib";

/** The eight bytes every PNG starts with (PNG spec §5.2). */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** PNG colour types (PNG spec §11.2.2): 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
export type PngColorType = 0 | 2 | 3 | 4 | 6;

/** What the header of a structurally sound PNG says about the picture. */
export interface PngInfo {
  /** In pixels, > 0. */
  width: number;
  /** In pixels, > 0. */
  height: number;
  bitDepth: number;
  colorType: PngColorType;
  /** Whether the pixels carry transparency: an alpha channel, or a `tRNS` chunk. */
  hasAlpha: boolean;
}

export type PngCheck = { ok: true; info: PngInfo } | { ok: false; message: string };

const COLOR_TYPES: readonly number[] = [0, 2, 3, 4, 6];
/** PNG caps both dimensions at 2^31 − 1; anything larger is corruption, not a big picture. */
const MAX_DIMENSION = 0x7fffffff;

/**
 * Reads a PNG's dimensions and colour type and checks its structure without decompressing it: the
 * signature, IHDR as the first chunk, every chunk's length and CRC, at least one IDAT, and IEND last.
 * Walking every chunk (not only IHDR) is what catches a truncated or bit-flipped download, which a
 * header-only check would pass. Pure.
 */
export function readPng(bytes: Uint8Array): PngCheck {
  if (bytes.length < 8 || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    return { ok: false, message: "missing PNG signature" };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let info: PngInfo | undefined;
  let sawIdat = false;
  let sawTrns = false;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) return { ok: false, message: `truncated chunk header at byte ${offset}` };
    const length = view.getUint32(offset);
    const rawType = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    // Chunk types are four ASCII letters; anything else is garbage that should not reach a message as is.
    const type = /^[A-Za-z]{4}$/.test(rawType) ? rawType : "(not a chunk type)";
    const end = offset + 12 + length;
    if (end > bytes.length) return { ok: false, message: `chunk ${type} runs past the end of the file` };
    const typeAndData = bytes.subarray(offset + 4, offset + 8 + length);
    if (crc32(typeAndData) !== view.getUint32(offset + 8 + length)) {
      return { ok: false, message: `bad CRC in chunk ${type}` };
    }
    if (info === undefined) {
      if (type !== "IHDR" || length !== 13) return { ok: false, message: "first chunk is not IHDR" };
      const parsed = parseIhdr(view, offset + 8);
      if (!parsed.ok) return parsed;
      info = parsed.info;
    } else if (type === "IDAT") {
      sawIdat = true;
    } else if (type === "tRNS") {
      sawTrns = true;
    } else if (type === "IEND") {
      if (end !== bytes.length) return { ok: false, message: "data after IEND" };
      if (!sawIdat) return { ok: false, message: "no IDAT chunk" };
      return { ok: true, info: { ...info, hasAlpha: info.hasAlpha || sawTrns } };
    }
    offset = end;
  }
  return { ok: false, message: "missing IEND chunk (truncated file)" };
}

function parseIhdr(view: DataView, at: number): PngCheck {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const bitDepth = view.getUint8(at + 8);
  const colorType = view.getUint8(at + 9);
  if (width === 0 || height === 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    return { ok: false, message: `invalid dimensions ${width}x${height}` };
  }
  if (!COLOR_TYPES.includes(colorType)) return { ok: false, message: `invalid colour type ${colorType}` };
  const hasAlpha = colorType === 4 || colorType === 6;
  return { ok: true, info: { width, height, bitDepth, colorType: colorType as PngColorType, hasAlpha } };
}
