/**
 * What PixelLab says a call cost, kept as reported. The schema says `{type:"usd", usd}`, subscription
 * accounts observe `{type:"generations", generations}`, and the spec's own example shows
 * `{type:"credits", credits}` (reference §2). Anything else is kept verbatim as `unknown`, so a new
 * billing shape is recorded rather than dropped or mistaken for zero.
 */
export type Usage =
  | { type: "usd"; usd: number }
  | { type: "generations"; generations: number }
  | { type: "credits"; credits: number }
  | { type: "unknown"; raw: unknown };

const KNOWN_UNITS = ["usd", "generations", "credits"] as const;

/**
 * Decodes a `usage` member. `null`/absent gives `null` (v2 marks usage nullable); a known unit with a
 * finite number becomes that variant; everything else (a bare number, a new unit) becomes `unknown`.
 */
export function decodeUsage(raw: unknown): Usage | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "object" && !Array.isArray(raw)) {
    const record = raw as Record<string, unknown>;
    for (const unit of KNOWN_UNITS) {
      const amount = record[unit];
      if (record.type === unit && typeof amount === "number" && Number.isFinite(amount)) {
        return { type: unit, [unit]: amount } as Usage;
      }
    }
  }
  return { type: "unknown", raw };
}
