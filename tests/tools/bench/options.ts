/** Options of {@link runBench} (`npm run bench -- …`). */
export interface BenchOptions {
  /** A small run, well under a minute after start-up. @defaultValue false */
  quick?: boolean;
  /** How long the sustained open-loop run lasts, s. @defaultValue 300 (8 with `quick`) */
  sustainedSeconds?: number;
  /** Only these scenarios (slugs, see {@link SCENARIO_SLUGS}). @defaultValue all */
  scenarios?: readonly string[];
  /** Where the JSON results go. @defaultValue "bench-results" */
  outDir?: string;
  /** Progress lines. @defaultValue none */
  log?: (line: string) => void;
}

/** One scenario of the run. */
export interface ScenarioPlan {
  slug: string;
  name: string;
  workload: "closed-loop" | "open-loop" | "burst" | "duplicate-mix";
  /** Users taking part (client `i` is pool user `i`; even ones listen, odd ones poll). */
  clients: number;
  pixellabLatencyMs: number;
  /** Closed loop: stop after this many jobs per client, or after `durationMs`. */
  jobsPerClient?: number;
  durationMs?: number;
  /** Open loop: arrivals per second, for `durationMs`. */
  ratePerSecond?: number;
  /** Burst: submissions sent at once. */
  burst?: number;
  /** Duplicate mix: cycles per client (8 submissions each, half of them duplicates). */
  cycles?: number;
}

export interface ResolvedBenchOptions {
  quick: boolean;
  sustainedSeconds: number;
  plans: ScenarioPlan[];
  /**
   * Run first and not measured: every process of the stack (the emulators' JVMs above all) compiles
   * the job paths it has not run yet during its first seconds of real traffic, which otherwise
   * lands on whichever scenario comes first (measured: 575 CPU ms per job in a first 1-client run,
   * against 217 at 50 clients).
   */
  warmUp: ScenarioPlan;
  /** QUEUE_CAPACITY of the functions: what the burst runs into. */
  queueCapacity: number;
  ceilings: { warmupWrites: number; measureMs: number };
  outDir: string;
  /** Longest a client follows one job, ms. */
  watchTimeoutMs: number;
  log: (line: string) => void;
}

export const SCENARIO_SLUGS = [
  "1-client",
  "10-clients",
  "50-clients",
  "100-clients",
  "10-clients-3s",
  "50-clients-3s",
  "burst",
  "sustained",
  "duplicate-mix",
] as const;

/** The per-user active-job limit the functions run with (USER_ACTIVE_JOB_LIMIT's default). */
export const USER_ACTIVE_JOBS = 5;
/** The realistic PixelLab latency, ms. */
export const REALISTIC_LATENCY_MS = 3_000;

function closed(
  clients: number,
  latency: number,
  stop: { jobsPerClient?: number; durationMs?: number },
): ScenarioPlan {
  const slug = `${clients}-client${clients === 1 ? "" : "s"}${latency > 0 ? `-${latency / 1000}s` : ""}`;
  const lat = latency > 0 ? `${latency / 1000} s PixelLab` : "zero-latency PixelLab";
  return {
    slug,
    name: `${clients} client${clients === 1 ? "" : "s"}, ${lat}`,
    workload: "closed-loop",
    clients,
    pixellabLatencyMs: latency,
    ...stop,
  };
}

function plans(quick: boolean, sustainedSeconds: number): { plans: ScenarioPlan[]; queueCapacity: number } {
  const burstCount = quick ? 30 : 500;
  const queueCapacity = quick ? 12 : 200;
  const rate = quick ? 4 : 8;
  const list: ScenarioPlan[] = quick
    ? [closed(1, 0, { jobsPerClient: 20 }), closed(10, 0, { jobsPerClient: 3 })]
    : [
        closed(1, 0, { durationMs: 30_000 }),
        closed(10, 0, { durationMs: 30_000 }),
        closed(50, 0, { durationMs: 30_000 }),
        closed(100, 0, { durationMs: 30_000 }),
        closed(10, REALISTIC_LATENCY_MS, { durationMs: 45_000 }),
        closed(50, REALISTIC_LATENCY_MS, { durationMs: 45_000 }),
      ];
  list.push(
    {
      slug: "burst",
      name: `burst of ${burstCount} at the queue cap (${queueCapacity})`,
      workload: "burst",
      clients: Math.ceil(burstCount / USER_ACTIVE_JOBS),
      pixellabLatencyMs: 0,
      burst: burstCount,
    },
    {
      slug: "sustained",
      name: `sustained ${rate} jobs/s for ${sustainedSeconds} s (open loop)`,
      workload: "open-loop",
      clients: quick ? 10 : 50,
      pixellabLatencyMs: 0,
      ratePerSecond: rate,
      durationMs: sustainedSeconds * 1000,
    },
    {
      slug: "duplicate-mix",
      name: `duplicate mix, 50 % repeats, ${quick ? 0.5 : 3} s PixelLab`,
      workload: "duplicate-mix",
      clients: quick ? 4 : 20,
      pixellabLatencyMs: quick ? 500 : REALISTIC_LATENCY_MS,
      cycles: quick ? 1 : 3,
    },
  );
  return { plans: list, queueCapacity };
}

export function resolveBenchOptions(options: BenchOptions): ResolvedBenchOptions {
  const quick = options.quick ?? false;
  const sustainedSeconds = options.sustainedSeconds ?? (quick ? 8 : 300);
  if (!(Number.isInteger(sustainedSeconds) && sustainedSeconds >= 1 && sustainedSeconds <= 86_400))
    throw new RangeError(`sustained seconds must be an integer from 1 to 86400 (got ${sustainedSeconds})`);
  const unknown = (options.scenarios ?? []).filter((s) => !(SCENARIO_SLUGS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new RangeError(`unknown scenario ${unknown.join(", ")} (known: ${SCENARIO_SLUGS.join(", ")})`);
  const all = plans(quick, sustainedSeconds);
  const wanted =
    options.scenarios === undefined || options.scenarios.length === 0
      ? undefined
      : new Set(options.scenarios);
  const selected = all.plans.filter((p) => wanted === undefined || wanted.has(p.slug));
  if (selected.length === 0)
    throw new RangeError(
      `none of ${[...(wanted ?? [])].join(", ")} runs in a ${quick ? "quick" : "full"} run`,
    );
  return {
    quick,
    sustainedSeconds,
    plans: selected,
    warmUp: {
      ...closed(10, 0, quick ? { jobsPerClient: 2 } : { durationMs: 20_000 }),
      slug: "warm-up",
      name: quick ? "warm-up, 10 clients × 2 jobs" : "warm-up, 10 clients for 20 s",
    },
    queueCapacity: all.queueCapacity,
    ceilings: quick ? { warmupWrites: 1_500, measureMs: 1_500 } : { warmupWrites: 10_000, measureMs: 5_000 },
    outDir: options.outDir ?? "bench-results",
    watchTimeoutMs: quick ? 60_000 : 300_000,
    log: options.log ?? (() => undefined),
  };
}
