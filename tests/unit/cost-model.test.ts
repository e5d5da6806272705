import { describe, expect, it } from "vitest";
import {
  afterFreeTier,
  instanceSeconds,
  pathCost,
  projectedHandlerMs,
  redisMonthlyUsd,
  type Assumptions,
  type CostLineId,
  type Deployment,
  type PathOps,
} from "../tools/cost/cost-model.ts";
import { DAYS_PER_MONTH, GIB, PRICES, TIB, type Price, type PriceTable } from "../tools/cost/prices.ts";

/** Round prices, so every expected figure below can be worked out by hand. */
const price = (usd: number, per: number): Price => ({ usd, per, unit: "u", source: "https://example.test" });
const none = { perMonth: 0, note: "" };
const TEST_PRICES: PriceTable = {
  asOf: "2025-06",
  asOfNote: "test",
  region: "test",
  firestore: {
    reads: price(0.03, 100_000),
    writes: price(0.09, 100_000),
    deletes: price(0.01, 100_000),
    storage: price(0.15, 1),
    free: { reads: { perMonth: 1_500_000, note: "" }, writes: none, deletes: none, storage: none },
  },
  cloudTasks: {
    operations: price(0.4, 1_000_000),
    free: { perMonth: 1_000_000, note: "" },
    chunkBytes: 32_768,
  },
  pubsub: { throughput: price(40, TIB), free: none, minBytesPerRequest: 1_000 },
  cloudRun: {
    requests: price(0.4, 1_000_000),
    vcpu: price(0.000024, 1),
    memory: price(0.0000025, 1),
    free: { requests: none, vcpu: { perMonth: 180_000, note: "" }, memory: none },
  },
  memorystore: { basicM1: price(0.049, 1) },
  vpcConnector: { e2Micro: price(0.01, 1) },
};

const NO_OPS: PathOps = {
  jobs: 100,
  firestoreReads: 0,
  clientReads: 0,
  firestoreWrites: 0,
  firestoreDeletes: 0,
  tasks: 0,
  pixellabCalls: 0,
  pubsubMessages: 0,
  apiRequests: 0,
  apiMs: 0,
  handlerDeliveries: 0,
  handlerMs: 0,
  storedBytes: 0,
};

const DEPLOYMENT: Deployment = {
  api: { vcpu: 1, memoryGiB: 1, concurrency: 5 },
  processJob: { vcpu: 1, memoryGiB: 0.5, concurrency: 5 },
  redis: undefined,
};

const ASSUMPTIONS: Assumptions = {
  pixellabLatencyMs: 5_000,
  benchPixellabLatencyMs: 0,
  retentionDays: DAYS_PER_MONTH,
  eventConsumers: 0,
  eventBytes: 400,
  jobsPerMonth: 1_000_000,
  applyFreeTiers: false,
  pixellabUsdPerCall: undefined,
};

/** Dollars per million jobs of one line. */
function usd(
  ops: Partial<PathOps>,
  id: CostLineId,
  a: Partial<Assumptions> = {},
  d: Partial<Deployment> = {},
): number {
  const cost = pathCost(
    { ...NO_OPS, ...ops },
    TEST_PRICES,
    { ...DEPLOYMENT, ...d },
    { ...ASSUMPTIONS, ...a },
  );
  const line = cost.lines.find((l) => l.id === id);
  if (line === undefined) throw new Error(`no line ${id}`);
  return line.usdPerMillionJobs;
}

describe("pathCost: each line, dollars per million jobs", () => {
  it.each([
    { name: "3 reads at $0.03 per 100k", ops: { firestoreReads: 3 }, id: "firestoreReads", expected: 0.9 },
    { name: "8 writes at $0.09 per 100k", ops: { firestoreWrites: 8 }, id: "firestoreWrites", expected: 7.2 },
    {
      name: "2 deletes at $0.01 per 100k",
      ops: { firestoreDeletes: 2 },
      id: "firestoreDeletes",
      expected: 0.2,
    },
    // 1 KiB for a whole month = 2^-20 GiB-months at $0.15.
    {
      name: "1 KiB kept a month",
      ops: { storedBytes: 1_024 },
      id: "firestoreStorage",
      expected: 0.15 * 2 ** -20 * 1e6,
    },
    {
      name: "1 task + 2 deliveries = 3 operations",
      ops: { tasks: 1, handlerDeliveries: 2 },
      id: "cloudTasks",
      expected: 1.2,
    },
    {
      name: "2 api requests + 1 delivery",
      ops: { apiRequests: 2, handlerDeliveries: 1 },
      id: "runRequests",
      expected: 1.2,
    },
    // 100 ms ÷ 5 = 0.02 s of a 1 vCPU, 1 GiB instance: 0.02 × (0.000024 + 0.0000025).
    { name: "api: 100 ms at concurrency 5", ops: { apiMs: 100 }, id: "apiCompute", expected: 0.53 },
    // 10 s ÷ 5 = 2 s of a 1 vCPU, 0.5 GiB instance: 2 × 0.00002525.
    {
      name: "processJob: 10 s at concurrency 5",
      ops: { handlerMs: 10_000 },
      id: "processJobCompute",
      expected: 50.5,
    },
  ] as const)("$name → $expected", ({ ops, id, expected }) => {
    expect(usd(ops, id)).toBeCloseTo(expected, 9);
  });

  it("3 reads + 8 writes total $8.10 per million jobs, nothing else billed", () => {
    const cost = pathCost(
      { ...NO_OPS, firestoreReads: 3, firestoreWrites: 8 },
      TEST_PRICES,
      DEPLOYMENT,
      ASSUMPTIONS,
    );
    expect(cost.totalUsdPerMillionJobs).toBeCloseTo(8.1, 9);
    expect(cost.lines.filter((l) => l.usdPerMillionJobs !== 0).map((l) => l.id)).toEqual([
      "firestoreReads",
      "firestoreWrites",
    ]);
  });

  it("storage scales with the days kept", () => {
    const month = usd({ storedBytes: GIB / 1_000_000 }, "firestoreStorage");
    expect(month).toBeCloseTo(0.15, 9);
    expect(
      usd({ storedBytes: GIB / 1_000_000 }, "firestoreStorage", { retentionDays: DAYS_PER_MONTH / 2 }),
    ).toBeCloseTo(0.075, 9);
  });
});

describe("instance time divides by per-instance concurrency", () => {
  it.each([
    { name: "concurrency 1", concurrency: 1, seconds: 10, expected: 252.5 },
    { name: "concurrency 5", concurrency: 5, seconds: 2, expected: 50.5 },
    { name: "concurrency 20", concurrency: 20, seconds: 0.5, expected: 12.625 },
  ])(
    "$name: 10 s of processJob → $seconds instance-seconds, $expected",
    ({ concurrency, seconds, expected }) => {
      const d = { processJob: { ...DEPLOYMENT.processJob, concurrency } };
      const s = instanceSeconds({ ...NO_OPS, handlerMs: 10_000 }, { ...DEPLOYMENT, ...d }, ASSUMPTIONS);
      expect(s.processJob).toBeCloseTo(seconds, 12);
      expect(usd({ handlerMs: 10_000 }, "processJobCompute", {}, d)).toBeCloseTo(expected, 9);
    },
  );

  it("replaces the offline PixelLab's latency with production's", () => {
    const ops = { ...NO_OPS, pixellabCalls: 1, handlerMs: 150 };
    const a = { ...ASSUMPTIONS, benchPixellabLatencyMs: 100, pixellabLatencyMs: 5_000 };
    expect(projectedHandlerMs(ops, a)).toBe(5_050);
    expect(instanceSeconds(ops, DEPLOYMENT, a)).toEqual({
      api: 0,
      processJob: 1.01,
      pixellabWait: 1,
      pixellabWaitAlone: 5,
    });
  });

  it("never projects a negative handler time of its own", () => {
    const a = { ...ASSUMPTIONS, benchPixellabLatencyMs: 500, pixellabLatencyMs: 1_000 };
    expect(projectedHandlerMs({ ...NO_OPS, pixellabCalls: 2, handlerMs: 900 }, a)).toBe(2_000);
  });
});

describe("Pub/Sub bills at least 1,000 bytes a request", () => {
  const perMillion = (bytes: number) => (bytes * 40 * 1e6) / TIB;
  it.each([
    { name: "a 400-byte event is billed 1,000 bytes", eventBytes: 400, consumers: 0, billed: 1_000 },
    { name: "a 1,000-byte event is billed as is", eventBytes: 1_000, consumers: 0, billed: 1_000 },
    { name: "a 5,000-byte event is billed as is", eventBytes: 5_000, consumers: 0, billed: 5_000 },
    { name: "each consumer's delivery is billed too", eventBytes: 200, consumers: 2, billed: 3_000 },
  ])("$name", ({ eventBytes, consumers, billed }) => {
    const got = usd({ pubsubMessages: 3 }, "pubsub", { eventBytes, eventConsumers: consumers });
    expect(got).toBeCloseTo(perMillion(3 * billed), 12);
  });
});

describe("free tiers", () => {
  const free = { perMonth: 1_000_000, note: "" };
  it.each([
    { name: "not applied: the list price", perJob: 2, jobs: 1_000_000, apply: false, expected: 2 },
    { name: "half the volume is free", perJob: 2, jobs: 1_000_000, apply: true, expected: 1 },
    { name: "all of it is free", perJob: 2, jobs: 400_000, apply: true, expected: 0 },
    { name: "nothing left to subtract at scale", perJob: 2, jobs: 100_000_000, apply: true, expected: 1.99 },
  ])("$name", ({ perJob, jobs, apply, expected }) => {
    const a = { ...ASSUMPTIONS, jobsPerMonth: jobs, applyFreeTiers: apply };
    expect(afterFreeTier(perJob, free, a)).toBeCloseTo(expected, 12);
  });

  it("Cloud Tasks: 2 operations a job, the first million a month free", () => {
    const ops = { tasks: 1, handlerDeliveries: 1 };
    expect(usd(ops, "cloudTasks")).toBeCloseTo(0.8, 9);
    expect(usd(ops, "cloudTasks", { applyFreeTiers: true })).toBeCloseTo(0.4, 9);
    expect(usd(ops, "cloudTasks", { applyFreeTiers: true, jobsPerMonth: 500_000 })).toBe(0);
  });

  it("Cloud Run's vCPU free tier is shared by both functions in proportion", () => {
    // 0.1 + 0.1 vCPU-s a job × 1M jobs = 200k; 180k free leaves 10% billed; memory has no free tier here.
    const ops = { apiMs: 500, handlerMs: 500 };
    const a = { applyFreeTiers: true };
    expect(usd(ops, "apiCompute", a)).toBeCloseTo(0.1 * 0.000024 * 0.1 * 1e6 + 0.1 * 0.0000025 * 1e6, 9);
    expect(usd(ops, "processJobCompute", a)).toBeCloseTo(
      0.1 * 0.000024 * 0.1 * 1e6 + 0.05 * 0.0000025 * 1e6,
      9,
    );
  });
});

describe("Memorystore and PixelLab", () => {
  it("Memorystore's month is spread over the month's jobs", () => {
    const redis = { memoryGb: 1, connectorInstances: 2 };
    const monthly = 0.049 * 730 + 2 * 0.01 * 730;
    expect(redisMonthlyUsd(redis, TEST_PRICES)).toBeCloseTo(monthly, 9);
    expect(usd({}, "memorystore", {}, { redis })).toBeCloseTo(monthly, 9);
    expect(usd({}, "memorystore", { jobsPerMonth: 10_000_000 }, { redis })).toBeCloseTo(monthly / 10, 9);
  });

  it("no Memorystore line when Redis is off", () => {
    const cost = pathCost(NO_OPS, TEST_PRICES, DEPLOYMENT, ASSUMPTIONS);
    expect(cost.lines.map((l) => l.id)).not.toContain("memorystore");
  });

  it.each([
    { name: "unpriced by default", fee: undefined, expected: undefined },
    { name: "priced when given, apart from the total", fee: 0.01, expected: 10_000 },
  ])("PixelLab fees: $name", ({ fee, expected }) => {
    const cost = pathCost({ ...NO_OPS, pixellabCalls: 1 }, TEST_PRICES, DEPLOYMENT, {
      ...ASSUMPTIONS,
      pixellabUsdPerCall: fee,
    });
    expect(cost.pixellab).toEqual({ callsPerJob: 1, usdPerMillionJobs: expected });
    // Only processJob's 1 s waiting (5 s ÷ 5) is Google Cloud's; the fee stays out of the total.
    expect(cost.totalUsdPerMillionJobs).toBeCloseTo(25.25, 9);
  });
});

describe("PRICES", () => {
  const all = (t: PriceTable): Price[] => [
    t.firestore.reads,
    t.firestore.writes,
    t.firestore.deletes,
    t.firestore.storage,
    t.cloudTasks.operations,
    t.pubsub.throughput,
    t.cloudRun.requests,
    t.cloudRun.vcpu,
    t.cloudRun.memory,
    t.memorystore.basicM1,
    t.vpcConnector.e2Micro,
  ];

  it("is dated, and every price names its source page", () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}$/);
    for (const p of all(PRICES)) expect(p.source).toMatch(/^https:\/\/cloud\.google\.com\//);
  });

  it("agrees with the README's mid-2025 figures: 30 s of PixelLab at concurrency 5 ≈ $150 per million", () => {
    const a = { ...ASSUMPTIONS, pixellabLatencyMs: 30_000 };
    const cost = pathCost({ ...NO_OPS, pixellabCalls: 1 }, PRICES, DEPLOYMENT, a);
    expect(cost.lines.find((l) => l.id === "processJobCompute")?.usdPerMillionJobs).toBeCloseTo(151.5, 6);
  });
});
