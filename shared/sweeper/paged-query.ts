import type { Query, QueryDocumentSnapshot } from "@google-cloud/firestore";

/** Documents one query page reads. @defaultValue 100 */
export const SWEEP_PAGE_SIZE = 100;
/** Most documents one pass looks at per sweep; the rest wait for the next minute. @defaultValue 500 */
export const SWEEP_MAX_DOCS = 500;

/**
 * Yields an ordered query's documents page by page, resuming after the last document read, until
 * `maxDocs` were read. Resuming from the last snapshot (not an offset) stays correct while the
 * caller's fixes move earlier documents out of the query.
 */
export async function* queryPages(
  query: Query,
  pageSize = SWEEP_PAGE_SIZE,
  maxDocs = SWEEP_MAX_DOCS,
): AsyncGenerator<QueryDocumentSnapshot[]> {
  let last: QueryDocumentSnapshot | undefined;
  let read = 0;
  while (read < maxDocs) {
    const page = await (last === undefined ? query : query.startAfter(last))
      .limit(Math.min(pageSize, maxDocs - read))
      .get();
    if (page.empty) return;
    yield page.docs;
    read += page.size;
    if (page.size < pageSize) return;
    last = page.docs.at(-1);
  }
}

/** How many items ended each way; a fix that threw counts as `error`. */
export type Tally<K extends string> = Partial<Record<K | "error", number>>;

/**
 * Runs `fix` on every item of a page concurrently (a page is at most {@link SWEEP_PAGE_SIZE}, and each
 * fix touches its own documents) and adds each outcome to `tally`. A fix that throws is reported
 * through `onError` and counted, never thrown: one bad job must not stop the rest of the sweep.
 */
export async function tallyPage<T, K extends string>(
  tally: Tally<K>,
  items: readonly T[],
  fix: (item: T) => Promise<K>,
  onError: (item: T, error: unknown) => void,
): Promise<void> {
  const results = await Promise.allSettled(items.map(fix));
  results.forEach((result, i) => {
    if (result.status === "rejected") onError(items[i] as T, result.reason);
    const key = result.status === "fulfilled" ? result.value : "error";
    tally[key] = (tally[key] ?? 0) + 1;
  });
}
