/**
 * Google Cloud list prices the cost calculation uses, us-central1 (a Tier 1 region), in USD.
 *
 * Dated honestly: these are the prices as published on the pages below in mid-2025 (the same
 * figures the README's "What it costs" section quotes), written down from those pages as they read
 * then. They were not re-fetched when this table was written (2026-12-02; no internet access on the
 * build machines), so check the pages before relying on a figure. Free tiers are listed apart and
 * are not applied unless asked for (`--free-tier`): list prices are what a busy deployment pays.
 */

/** One list price: `usd` per `per` units of `unit`. */
export interface Price {
  usd: number;
  per: number;
  unit: string;
  source: string;
}

/** A free monthly allowance in the price's units, and what the page says about it. */
export interface FreeTier {
  perMonth: number;
  note: string;
}

export interface PriceTable {
  /** When the prices were published as given here (ISO month). */
  asOf: string;
  /** How the figures were taken, so nobody mistakes them for a fresh quote. */
  asOfNote: string;
  region: string;
  firestore: {
    reads: Price;
    writes: Price;
    deletes: Price;
    storage: Price;
    free: { reads: FreeTier; writes: FreeTier; deletes: FreeTier; storage: FreeTier };
  };
  cloudTasks: { operations: Price; free: FreeTier; chunkBytes: number };
  pubsub: { throughput: Price; free: FreeTier; minBytesPerRequest: number };
  cloudRun: {
    requests: Price;
    vcpu: Price;
    memory: Price;
    free: { requests: FreeTier; vcpu: FreeTier; memory: FreeTier };
  };
  memorystore: { basicM1: Price };
  vpcConnector: { e2Micro: Price };
}

/** Hours in a month as Google's pricing pages and calculator count them. */
export const HOURS_PER_MONTH = 730;
/** Days in that month (for the daily Firestore quotas and TTL retention), 730 h / 24. */
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
export const GIB = 2 ** 30;
export const TIB = 2 ** 40;

const FIRESTORE = "https://cloud.google.com/firestore/pricing";
const TASKS = "https://cloud.google.com/tasks/pricing";
const PUBSUB = "https://cloud.google.com/pubsub/pricing";
const RUN =
  "https://cloud.google.com/run/pricing (Cloud Functions gen2 bill as Cloud Run: https://cloud.google.com/functions/pricing)";
const daily = (perDay: number) => perDay * DAYS_PER_MONTH;

export const PRICES: PriceTable = {
  asOf: "2025-06",
  asOfNote:
    "mid-2025 list prices, the README's, taken from the pricing pages as they read then and not re-fetched on 2026-12-02 (no internet access): check them before relying on a figure",
  region: "us-central1 (Iowa), Tier 1",
  firestore: {
    reads: { usd: 0.03, per: 100_000, unit: "document reads", source: FIRESTORE },
    writes: { usd: 0.09, per: 100_000, unit: "document writes", source: FIRESTORE },
    deletes: { usd: 0.01, per: 100_000, unit: "document deletes", source: FIRESTORE },
    // The least certain figure of the table: nam5 (multi-region) is $0.18; regional us-central1 lower.
    storage: { usd: 0.15, per: 1, unit: "GiB-month", source: FIRESTORE },
    free: {
      reads: { perMonth: daily(50_000), note: "50,000 reads a day, (default) database only" },
      writes: { perMonth: daily(20_000), note: "20,000 writes a day" },
      deletes: { perMonth: daily(20_000), note: "20,000 deletes a day; TTL deletes are never free" },
      storage: { perMonth: 1, note: "1 GiB stored" },
    },
  },
  cloudTasks: {
    // A billable operation is an API call or a push delivery attempt, counted per 32 KiB chunk.
    operations: { usd: 0.4, per: 1_000_000, unit: "billable operations", source: TASKS },
    free: { perMonth: 1_000_000, note: "first 1 million operations a month" },
    chunkBytes: 32 * 1024,
  },
  pubsub: {
    throughput: { usd: 40, per: TIB, unit: "bytes published or delivered", source: PUBSUB },
    free: { perMonth: 10 * GIB, note: "first 10 GiB a month per billing account" },
    // "A minimum of 1000 bytes per publish, push or pull request is assessed regardless of message size."
    minBytesPerRequest: 1_000,
  },
  cloudRun: {
    // Request-based billing ("CPU only allocated during request processing"), what gen2 functions use.
    requests: { usd: 0.4, per: 1_000_000, unit: "requests", source: RUN },
    vcpu: { usd: 0.000024, per: 1, unit: "vCPU-seconds", source: RUN },
    memory: { usd: 0.0000025, per: 1, unit: "GiB-seconds", source: RUN },
    free: {
      requests: { perMonth: 2_000_000, note: "2 million requests a month per billing account" },
      vcpu: { perMonth: 180_000, note: "180,000 vCPU-seconds a month" },
      memory: { perMonth: 360_000, note: "360,000 GiB-seconds a month" },
    },
  },
  memorystore: {
    // Basic tier, capacity tier M1 (1-4 GB), the smallest terraform/redis.tf can create. No free tier.
    basicM1: {
      usd: 0.049,
      per: 1,
      unit: "GB-hours",
      source: "https://cloud.google.com/memorystore/docs/redis/pricing",
    },
  },
  vpcConnector: {
    // Serverless VPC Access bills its instances as Compute Engine VMs (terraform/redis.tf: e2-micro, at least 2).
    e2Micro: {
      usd: 0.00838,
      per: 1,
      unit: "instance-hours",
      source:
        "https://cloud.google.com/vpc/network-pricing#serverless-vpc-pricing, https://cloud.google.com/compute/vm-instance-pricing",
    },
  },
};

/** Dollars for `units` units at `price`. */
export function priced(units: number, price: Price): number {
  return (units * price.usd) / price.per;
}
