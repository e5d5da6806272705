import { AsyncLocalStorage } from "node:async_hooks";

/** Firestore operations as Firestore bills them: documents read, written and deleted. */
export interface OpCounts {
  reads: number;
  writes: number;
  deletes: number;
}

/**
 * Where the Firestore store reports each operation it has done, once it succeeded: a read per
 * document returned (at least one per query, one per 1,000 index entries of an aggregation), a write
 * per document created, set or updated, a delete per document deleted. Failed calls (a `create()` on
 * a held slot, a precondition that did not hold) are not counted: Firestore does not bill them.
 */
export interface OpMeter {
  read(count?: number): void;
  write(count?: number): void;
  delete(count?: number): void;
}

/** An {@link OpMeter} that attributes operations to the request (async context) that did them. */
export interface RequestOpMeter extends OpMeter {
  /** Runs `work`, counting what it and everything it starts does until it settles. */
  measure<T>(work: () => Promise<T>): Promise<{ value: T; ops: OpCounts }>;
  /** Everything counted since the meter was made, whichever request did it. */
  totals(): OpCounts;
}

export const zeroOps = (): OpCounts => ({ reads: 0, writes: 0, deletes: 0 });

/** Counts nothing (tools and tests that do not look). */
export const NO_METER: OpMeter = { read() {}, write() {}, delete() {} };

/**
 * A meter per instance. Operations done outside any `measure` (a timer's flush of cache hit counts,
 * the cold start) count only in the totals. Work a request leaves running after it answered (an
 * event publish) is still counted against that request's figures object, which nobody reads any more.
 */
export function createOpMeter(): RequestOpMeter {
  const scope = new AsyncLocalStorage<OpCounts>();
  const total = zeroOps();
  const add = (field: keyof OpCounts, count = 1) => {
    total[field] += count;
    const current = scope.getStore();
    if (current !== undefined) current[field] += count;
  };
  return {
    read: (count) => add("reads", count),
    write: (count) => add("writes", count),
    delete: (count) => add("deletes", count),
    async measure(work) {
      const ops = zeroOps();
      const value = await scope.run(ops, work);
      return { value, ops: { ...ops } };
    },
    totals: () => ({ ...total }),
  };
}

/** Reads a query is billed: one per document returned, at least one. */
export const queryReads = (documents: number): number => Math.max(1, documents);

/** Reads an aggregation (`count()`) is billed: one per 1,000 index entries, at least one. */
export const countReads = (count: number): number => Math.max(1, Math.ceil(count / 1_000));
