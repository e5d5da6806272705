import type { DispatchLoop } from "./dispatch-loop.ts";
import type { EmulatorState } from "./emulator-state.ts";
import type { RandomBytes } from "./names.ts";
import { invalid } from "./rpc-error.ts";

/** What the RPC handlers share. */
export interface RpcContext {
  state: EmulatorState;
  loop: DispatchLoop;
  /** Epoch ms, fractional allowed. */
  now: () => number;
  random: RandomBytes;
  /** PurgeQueue also frees the purged tasks' names (aertje's `-hard-reset-on-purge-queue`). */
  hardResetOnPurge: boolean;
}

/** A unary RPC implementation: the decoded request in, the response message out (or an RpcError). */
export type UnaryHandler = (request: unknown) => unknown;

/** Encodes a list position as an opaque page token: the last name returned. */
export function pageToken(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName })).toString("base64url");
}

/** The name a page token continues after, or `undefined` for the first page; INVALID_ARGUMENT if unreadable. */
export function decodePageToken(token: string | null | undefined): string | undefined {
  if (!token) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid("Invalid page token.");
  }
  const after = (decoded as { after?: unknown } | null)?.after;
  if (typeof after !== "string") throw invalid("Invalid page token.");
  return after;
}

/**
 * One page of `items` sorted by name: at most `pageSize` (0 = `maxPage`, larger values clamped) after
 * the token's position. The last page answers an empty token, which ends the client's auto-paging.
 */
export function pageOf<T extends { name: string }>(
  items: T[],
  pageSize: number | null | undefined,
  token: string | null | undefined,
  maxPage: number,
): { page: T[]; nextPageToken: string } {
  if ((pageSize ?? 0) < 0) throw invalid("page_size must not be negative.");
  const after = decodePageToken(token);
  const size = !pageSize ? maxPage : Math.min(pageSize, maxPage);
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => item.name > after);
  const page = rest.slice(0, size);
  const last = page.at(-1);
  return { page, nextPageToken: rest.length > size && last !== undefined ? pageToken(last.name) : "" };
}
