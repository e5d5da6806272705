import { crc32, deflateSync } from "node:zlib";

/** An 8-bit-per-channel picture, row-major RGBA (4 bytes per pixel, alpha 0 = transparent). */
export interface RgbaPixels {
  /** In pixels, ≥ 1. */
  width: number;
  /** In pixels, ≥ 1. */
  height: number;
  /** `width × height × 4` bytes. */
  data: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG colour types used here (PNG spec §11.2.2). */
const COLOR_RGB = 2;
const COLOR_RGBA = 6;

/**
 * Encodes pixels as a PNG: colour type 6 (RGBA) when `alpha`, else 2 (RGB, the alpha bytes dropped),
 * 8 bits per channel, no interlace, filter 0 on every row. Deterministic: the same pixels give the same
 * bytes (fixed zlib level, no timestamps or text chunks). Pure.
 */
export function encodePng(pixels: RgbaPixels, options: { alpha: boolean }): Buffer {
  const { width, height, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`invalid PNG size ${width}x${height}`);
  }
  if (data.length !== width * height * 4)
    throw new RangeError("pixel data does not match width × height × 4");
  const channels = options.alpha ? 4 : 3;
  const stride = width * channels + 1; // +1: each scanline starts with its filter-type byte
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * stride] = 0;
    for (let x = 0; x < width; x += 1) {
      const from = (y * width + x) * 4;
      const to = y * stride + 1 + x * channels;
      for (let c = 0; c < channels; c += 1) raw[to + c] = data[from + c] ?? 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(options.alpha ? COLOR_RGBA : COLOR_RGB, 9);
  // bytes 10..12 stay 0: deflate compression, adaptive filtering, no interlace
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
