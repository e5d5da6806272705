import type { Firestore } from "@google-cloud/firestore";
import { summarise, type Summary } from "./stats.ts";

/** The Firestore emulator's own limits, measured with the server SDK on distinct documents. */
export interface FirestoreCeilings {
  warmupWrites: number;
  warmupMs: number;
  concurrency: number;
  /** Single-document `set()`s on distinct documents, completed per second. */
  writesPerSecond: number;
  writeMs: Summary;
  /** Read-modify-write transactions (one `get`, one `set`) on distinct existing documents, per second. */
  transactionsPerSecond: number;
  transactionMs: Summary;
}

export interface CeilingOptions {
  /** Writes first, so the emulator is warm (ENVIRONMENT.md: a cold one is 3-4 times slower). */
  warmupWrites: number;
  /** How long each measurement runs, ms. */
  measureMs: number;
  /** Operations in flight at once. @defaultValue 50 */
  concurrency?: number;
}

const COLLECTION = "benchCeiling";

/**
 * Warms the emulator, then measures concurrent writes and transactions for `measureMs` each. The
 * transactions read-modify-write the warm-up's documents, each once, so none contend.
 */
export async function measureFirestoreCeilings(
  firestore: Firestore,
  options: CeilingOptions,
): Promise<FirestoreCeilings> {
  const concurrency = options.concurrency ?? 50;
  const run = `r${Date.now().toString(36)}`;
  const ref = (kind: string, i: number) => firestore.collection(COLLECTION).doc(`${run}-${kind}-${i}`);
  const payload = (i: number) => ({ n: i, at: new Date(), pad: "x".repeat(200) });

  const warmStarted = performance.now();
  let next = 0;
  await pool(concurrency, async () => {
    while (next < options.warmupWrites) {
      const i = next++;
      await ref("d", i).set(payload(i));
    }
  });
  const warmupMs = performance.now() - warmStarted;

  const writes = await timed(concurrency, options.measureMs, (i) =>
    ref("w", i)
      .set(payload(i))
      .then(() => {}),
  );
  let txnNext = 0;
  const transactions = await timed(concurrency, options.measureMs, () => {
    // Past the warm-up's documents, a transaction creates its document: still distinct, still a read and a write.
    const doc = ref("d", txnNext++);
    return firestore.runTransaction(async (tx) => {
      const snap = await tx.get(doc);
      tx.set(doc, { ...payload(Number(snap.get("n") ?? 0) + 1), touched: true });
    });
  });
  return {
    warmupWrites: options.warmupWrites,
    warmupMs: Math.round(warmupMs),
    concurrency,
    writesPerSecond: writes.perSecond,
    writeMs: writes.latency,
    transactionsPerSecond: transactions.perSecond,
    transactionMs: transactions.latency,
  };
}

/** Runs `op` from `concurrency` workers until `ms` pass; the rate counts operations that finished in time. */
async function timed(
  concurrency: number,
  ms: number,
  op: (i: number) => Promise<void>,
): Promise<{ perSecond: number; latency: Summary }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + ms;
  let next = 0;
  let done = 0;
  await pool(concurrency, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await op(next++);
      const t1 = performance.now();
      latencies.push(t1 - t0);
      if (t1 <= deadline) done += 1;
    }
  });
  return { perSecond: Math.round(done / (ms / 1000)), latency: summarise(latencies) };
}

async function pool(workers: number, work: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, work));
}
