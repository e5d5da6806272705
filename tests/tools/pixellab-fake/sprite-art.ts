import type { RgbaPixels } from "./png-encoder.ts";

/** What a fake sprite is drawn from. */
export interface SpriteSpec {
  /** Hex digest of the request; the only source of variation, so equal requests draw equal sprites. */
  seed: string;
  /** In pixels, ≥ 1. */
  width: number;
  /** In pixels, ≥ 1. */
  height: number;
  /** Transparent background (alpha 0), as PixelLab's `no_background` gives. */
  transparent: boolean;
  /** Animation frame index, ≥ 0; frames of one animation differ by a bob of the sprite. */
  frame: number;
}

/** Logical sprite resolution, in cells per side: each cell is a block of output pixels (nearest neighbour). */
const GRID = 16;
/** Empty cells kept around the sprite, per side. */
const MARGIN = 2;
/** Per-frame vertical offset, in cells: a four-beat idle bob. */
const BOB = [0, -1, 0, 1] as const;

type Rgba = readonly [number, number, number, number];
const EMPTY = 0;
const OUTLINE = 4;

/**
 * Draws a symmetric pixel-art creature: a random left half on a 16×16 cell grid mirrored to the right,
 * coloured from a palette derived from `seed`, with a dark outline, scaled to exactly width×height.
 * Deterministic and pure: the same spec always gives the same pixels.
 */
export function renderSprite(spec: SpriteSpec): RgbaPixels {
  const random = mulberry32(seedNumber(spec.seed));
  const palette = makePalette(random);
  const cells = outline(drawHalfMirrored(random));
  const background = spec.transparent ? ([0, 0, 0, 0] as const) : palette.background;
  const dy = BOB[spec.frame % BOB.length] ?? 0;
  const data = new Uint8Array(spec.width * spec.height * 4);
  for (let y = 0; y < spec.height; y += 1) {
    const row = Math.floor((y * GRID) / spec.height) - dy;
    for (let x = 0; x < spec.width; x += 1) {
      const col = Math.floor((x * GRID) / spec.width);
      const cell = row >= 0 && row < GRID ? (cells[row * GRID + col] ?? EMPTY) : EMPTY;
      const checker = !spec.transparent && (row + col) % 2 === 0 ? palette.backgroundAlt : background;
      data.set(cell === EMPTY ? checker : (palette.ink[cell] ?? background), (y * spec.width + x) * 4);
    }
  }
  return { width: spec.width, height: spec.height, data };
}

function drawHalfMirrored(random: () => number): Uint8Array {
  const cells = new Uint8Array(GRID * GRID);
  const half = GRID / 2;
  for (let row = MARGIN; row < GRID - MARGIN; row += 1) {
    for (let col = MARGIN; col < half; col += 1) {
      // Denser towards the middle column, so the shape reads as one body rather than noise.
      const density = 0.25 + 0.5 * ((col - MARGIN) / (half - MARGIN));
      if (random() >= density) continue;
      const ink = 1 + Math.floor(random() * 3);
      cells[row * GRID + col] = ink;
      cells[row * GRID + (GRID - 1 - col)] = ink;
    }
  }
  return cells;
}

/** Marks every empty cell that touches a filled one (4-neighbourhood) as outline. */
function outline(cells: Uint8Array): Uint8Array {
  const out = Uint8Array.from(cells);
  const filled = (r: number, c: number) =>
    r >= 0 && r < GRID && c >= 0 && c < GRID && (cells[r * GRID + c] ?? EMPTY) !== EMPTY;
  for (let r = 0; r < GRID; r += 1) {
    for (let c = 0; c < GRID; c += 1) {
      if (cells[r * GRID + c] !== EMPTY) continue;
      if (filled(r - 1, c) || filled(r + 1, c) || filled(r, c - 1) || filled(r, c + 1))
        out[r * GRID + c] = OUTLINE;
    }
  }
  return out;
}

function makePalette(random: () => number): { ink: Rgba[]; background: Rgba; backgroundAlt: Rgba } {
  const hue = random() * 360;
  return {
    // index 0 unused (empty), 1..3 body tones, 4 outline
    ink: [
      hsl(0, 0, 0),
      hsl(hue, 0.6, 0.5),
      hsl(hue, 0.6, 0.7),
      hsl(hue + 180, 0.7, 0.55),
      hsl(hue, 0.4, 0.12),
    ],
    background: hsl(hue + 90, 0.25, 0.85),
    backgroundAlt: hsl(hue + 90, 0.25, 0.8),
  };
}

function hsl(hue: number, saturation: number, lightness: number): Rgba {
  const h = (((hue % 360) + 360) % 360) / 60;
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] =
    h < 1
      ? [chroma, x, 0]
      : h < 2
        ? [x, chroma, 0]
        : h < 3
          ? [0, chroma, x]
          : h < 4
            ? [0, x, chroma]
            : h < 5
              ? [x, 0, chroma]
              : [chroma, 0, x];
  const m = lightness - chroma / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255), 255];
}

function seedNumber(seed: string): number {
  // Fold the whole digest into 32 bits, so seeds differing anywhere give different sprites.
  let acc = 0x811c9dc5;
  for (let i = 0; i < seed.length; i += 1) acc = Math.imul(acc ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return acc;
}

/** A small, fast, seedable PRNG (public domain); returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
