import { JOB_ID } from "./job-document.ts";

/** Firestore's largest timestamp (9999-12-31T23:59:59.999Z), in ms. */
const MAX_TIMESTAMP_MS = 253_402_300_799_999;

/** Where a newest-first page ended: the last document's ordering time (ms) and its id. */
export interface PagePosition {
  atMs: number;
  id: string;
}

/** The opaque cursor clients send back for the next page: base64url JSON `[atMs, id]`. */
export function encodePageCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.atMs, position.id])).toString("base64url");
}

/**
 * Reads a cursor this API issued. Undefined for an absent cursor; a RangeError for anything else,
 * which would otherwise reach Firestore as a bad `startAfter` and fail the query.
 */
export function decodePageCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    Number.isInteger(value[0]) &&
    value[0] >= 0 &&
    value[0] <= MAX_TIMESTAMP_MS &&
    typeof value[1] === "string" &&
    JOB_ID.test(value[1])
  ) {
    return { atMs: value[0] as number, id: value[1] };
  }
  throw new RangeError("is not one this API issued");
}
