import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readPng } from "../../shared/pixellab/png-header.ts";
import { encodePng } from "../tools/pixellab-fake/png-encoder.ts";
import { renderSprite } from "../tools/pixellab-fake/sprite-art.ts";

function png(width: number, height: number, alpha: boolean): Buffer {
  return encodePng(renderSprite({ seed: "png-test", width, height, transparent: alpha, frame: 0 }), {
    alpha,
  });
}

/** Rewrites a chunk's CRC after the test changed its data, so only the intended defect remains. */
function fixCrc(bytes: Buffer, chunkOffset: number): Buffer {
  const length = bytes.readUInt32BE(chunkOffset);
  bytes.writeUInt32BE(
    crc32(bytes.subarray(chunkOffset + 4, chunkOffset + 8 + length)),
    chunkOffset + 8 + length,
  );
  return bytes;
}

describe("readPng on PNGs the encoder wrote", () => {
  const cases = [
    { name: "16x16 RGB", width: 16, height: 16, alpha: false, colorType: 2 },
    { name: "32x48 RGBA", width: 32, height: 48, alpha: true, colorType: 6 },
    { name: "400x400 RGB (pixflux maximum)", width: 400, height: 400, alpha: false, colorType: 2 },
    { name: "1x1 RGBA", width: 1, height: 1, alpha: true, colorType: 6 },
  ];
  it.each(cases)("$name", ({ width, height, alpha, colorType }) => {
    const result = readPng(png(width, height, alpha));
    expect(result).toEqual({ ok: true, info: { width, height, bitDepth: 8, colorType, hasAlpha: alpha } });
  });
});

describe("readPng rejects damaged files", () => {
  const good = png(32, 32, true);
  const cases: Array<{ name: string; bytes: () => Uint8Array; message: RegExp }> = [
    { name: "empty", bytes: () => new Uint8Array(0), message: /signature/ },
    {
      name: "a JPEG",
      bytes: () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0, 0]),
      message: /signature/,
    },
    { name: "signature only", bytes: () => good.subarray(0, 8), message: /IEND/ },
    {
      name: "truncated inside IDAT",
      bytes: () => good.subarray(0, good.length - 30),
      message: /past the end|truncated/,
    },
    { name: "missing IEND", bytes: () => good.subarray(0, good.length - 12), message: /IEND/ },
    {
      name: "bit flip in IDAT",
      bytes: () => {
        const copy = Buffer.from(good);
        copy[8 + 25 + 8 + 2] = (copy[8 + 25 + 8 + 2] ?? 0) ^ 0xff;
        return copy;
      },
      message: /CRC in chunk IDAT/,
    },
    { name: "data after IEND", bytes: () => Buffer.concat([good, Buffer.from([0])]), message: /after IEND/ },
    {
      name: "zero width",
      bytes: () => {
        const copy = Buffer.from(good);
        copy.writeUInt32BE(0, 16);
        return fixCrc(copy, 8);
      },
      message: /dimensions 0x32/,
    },
    {
      name: "unknown colour type",
      bytes: () => {
        const copy = Buffer.from(good);
        copy[25] = 5;
        return fixCrc(copy, 8);
      },
      message: /colour type 5/,
    },
    {
      name: "IHDR not first",
      bytes: () => Buffer.concat([good.subarray(0, 8), good.subarray(good.length - 12), good.subarray(8)]),
      message: /not IHDR/,
    },
  ];
  it.each(cases)("$name", ({ bytes, message }) => {
    const result = readPng(bytes());
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.message).toMatch(message);
  });
});
