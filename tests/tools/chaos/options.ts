/** How many of each process fault one run injects. */
export interface FaultCounts {
  /** `processJob` killed with SIGKILL mid-work, then started again like a new instance. */
  processJobKills: number;
  /** Redis (the L1 cache) stopped, then started again empty. */
  redisRestarts: number;
  /** The Pub/Sub emulator frozen with SIGSTOP, then resumed with SIGCONT. */
  pubsubPauses: number;
  /** The Cloud Tasks emulator killed and started again: its tasks are lost, as if Cloud Tasks dropped them. */
  tasksRestarts: number;
  /** RunTask calls that dispatch a task again, even while it runs. */
  duplicateDeliveries: number;
}

export interface ChaosOptions {
  /** Planned submissions. @defaultValue 1000 */
  jobs?: number;
  /** Signed-up users the jobs are spread over. @defaultValue 50 */
  users?: number;
  /** Seeds the plan (which jobs fail how, which are repeats, which faults when). @defaultValue random */
  seed?: number;
  /** Share of jobs whose PixelLab calls fail (about the share of calls). @defaultValue 0.1 */
  failureRate?: number;
  /** Share of accepted jobs their client cancels a moment later. @defaultValue 0.02 */
  cancelRate?: number;
  /** @defaultValue scaled with `jobs` (see {@link defaultFaults}) */
  faults?: Partial<FaultCounts>;
  /** Pause between two process faults, ms, drawn from [min, max]. @defaultValue [4_000, 12_000] */
  faultGapMs?: readonly [number, number];
  /** How often the sweeper runs, ms (Cloud Scheduler would run it every minute). @defaultValue 3_000 */
  sweepEveryMs?: number;
  /** The functions' SWEEP_STALE_MS: how soon a queued job without a task is rescued. @defaultValue 5_000 */
  sweepStaleMs?: number;
  /** Longest wait for every job to end once the load and the faults are over, ms. @defaultValue 300_000 */
  drainTimeoutMs?: number;
  /** Longest the submissions may take, ms; later ones are given up. @defaultValue max(300 s, 1.5 s per job) */
  submitTimeoutMs?: number;
  /** Progress lines. @defaultValue none */
  log?: (line: string) => void;
}

export type ResolvedOptions = Required<Omit<ChaosOptions, "faults" | "log">> & {
  faults: FaultCounts;
  log: (line: string) => void;
};

/** Fault counts for a run of `jobs`: a 1,000-job run gets 8 kills, 3 Redis restarts, 3 pauses, 1 emulator restart. */
export function defaultFaults(jobs: number): FaultCounts {
  const scaled = (per1000: number) => Math.max(1, Math.round((jobs / 1000) * per1000));
  return {
    processJobKills: scaled(8),
    redisRestarts: scaled(3),
    pubsubPauses: scaled(3),
    tasksRestarts: 1,
    duplicateDeliveries: Math.max(5, Math.round(jobs / 20)),
  };
}

export function resolveOptions(options: ChaosOptions): ResolvedOptions {
  const jobs = options.jobs ?? 1000;
  const resolved: ResolvedOptions = {
    jobs,
    users: options.users ?? 50,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    failureRate: options.failureRate ?? 0.1,
    cancelRate: options.cancelRate ?? 0.02,
    faults: { ...defaultFaults(jobs), ...options.faults },
    faultGapMs: options.faultGapMs ?? [4_000, 12_000],
    sweepEveryMs: options.sweepEveryMs ?? 3_000,
    sweepStaleMs: options.sweepStaleMs ?? 5_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 300_000,
    submitTimeoutMs: options.submitTimeoutMs ?? Math.max(300_000, jobs * 1_500),
    log: options.log ?? (() => undefined),
  };
  const problems: string[] = [];
  if (!Number.isInteger(jobs) || jobs < 1) problems.push(`jobs must be a positive integer (got ${jobs})`);
  if (!Number.isInteger(resolved.users) || resolved.users < 1 || resolved.users > jobs)
    problems.push(`users must be an integer from 1 to jobs (got ${resolved.users})`);
  if (!(resolved.failureRate >= 0 && resolved.failureRate <= 1))
    problems.push(`failure rate must be from 0 to 1 (got ${resolved.failureRate})`);
  if (!Number.isInteger(resolved.seed) || resolved.seed < 0)
    problems.push(`seed must be a non-negative integer (got ${resolved.seed})`);
  if (problems.length > 0) throw new RangeError(problems.join("; "));
  return resolved;
}
