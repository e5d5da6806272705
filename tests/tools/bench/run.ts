import path from "node:path";
import { loadConfig } from "../../../shared/config.ts";
import { FIXED_QUEUE_SETTINGS } from "../../../shared/queue-settings.ts";
import { FUNCTION_TARGETS, startTestStack, type TestStack } from "../stack/test-stack.ts";
import { costSubmissions, type PathName, type PathTotals } from "./accounting.ts";
import { sampleActiveJobs } from "./active-jobs.ts";
import { createUserPool, type UserPool } from "./bench-users.ts";
import { duplicateMix } from "./duplicate-mix.ts";
import { startEventCounter, type EventCounter } from "./event-counter.ts";
import { measureFirestoreCeilings } from "./firestore-ceilings.ts";
import { checkTargets, computeLimits } from "./limits.ts";
import { createLogLedger, type LogLedger } from "./log-ledger.ts";
import { measureMachine } from "./machine.ts";
import {
  resolveBenchOptions,
  USER_ACTIVE_JOBS,
  type BenchOptions,
  type ResolvedBenchOptions,
  type ScenarioPlan,
} from "./options.ts";
import { startSweeperLoop, type SweeperLoop } from "../chaos/sweeper-loop.ts";
import { sampleCpu } from "./process-cpu.ts";
import { peakMemoryMiB, resetPeakMemory } from "./process-memory.ts";
import { aggregateOperations, terraformConcurrency, writeReport, type BenchReport } from "./report.ts";
import { formatCeilings, formatMachine, formatScenarioLine } from "./report-table.ts";
import { scenarioFigures, type ScenarioReport } from "./scenario-figures.ts";
import { sleep } from "./stats.ts";
import { storedBytesPerJob } from "./stored-bytes.ts";
import type { SubmissionRecord } from "./submission.ts";
import { burst, closedLoop, openLoop, type WorkloadContext } from "./workloads.ts";

export type { BenchOptions } from "./options.ts";
export type { BenchReport } from "./report.ts";
export { formatReport } from "./report-table.ts";

/** What one scenario needs from the run. */
interface RunContext {
  o: ResolvedBenchOptions;
  stack: TestStack;
  pool: UserPool;
  events: EventCounter;
  ledger: LogLedger;
  notes: Set<string>;
}

/**
 * The end-to-end benchmark: starts the local stack's parts on free ports (emulators, Cloud Tasks
 * emulator, offline PixelLab in this process, the three functions as processes), measures the
 * machine and the Firestore emulator's ceilings, then drives the HTTP API as clients do (Firebase ID
 * tokens, `POST /v1/jobs`, following each job by Firestore listener or by polling) through every
 * planned scenario. Writes the report as JSON and returns it; stops everything it started.
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const o = resolveBenchOptions(options);
  const started = Date.now();
  o.log(`bench: ${o.quick ? "quick" : "full"} run, ${o.plans.map((p) => p.slug).join(", ")}`);
  const machine = measureMachine();
  o.log(formatMachine(machine));
  const stack = await startTestStack({
    // The submission rate is off: one bench client submits hundreds of jobs a minute, and the run
    // measures the queue, not a user's limit. The listening clients sign in anonymously, as the web
    // client does; they get the signed-in active-job limit, so every client has the same.
    env: {
      QUEUE_CAPACITY: String(o.queueCapacity),
      LOG_LEVEL: "info",
      USER_SUBMIT_RATE_PER_MIN: "0",
      ANON_SUBMIT_RATE_PER_MIN: "0",
      ANON_USER_ACTIVE_JOB_LIMIT: String(USER_ACTIVE_JOBS),
    },
    rulesFile: path.resolve("firestore.rules"),
    log: o.log,
    // As in production: the SDK on, and each request's log lines under its trace, which is how
    // the figures of a submission and its polls are told apart.
    telemetry: true,
  });
  let pool: UserPool | undefined;
  let sweeper: SweeperLoop | undefined;
  let events: EventCounter | undefined;
  try {
    const config = loadConfig(stack.env);
    o.log(`  stack up in ${Math.round((Date.now() - started) / 1000)} s`);
    events = await startEventCounter(
      stack.env.PUBSUB_EMULATOR_HOST as string,
      stack.projectId,
      config.eventsTopic,
    );
    pool = createUserPool({
      projectId: stack.projectId,
      authHost: stack.authHost,
      firestorePort: stack.ports.firestore,
    });
    o.log("  warming the Firestore emulator and measuring its ceilings");
    const ceilings = await measureFirestoreCeilings(stack.firestore, o.ceilings);
    o.log(formatCeilings(ceilings));
    // As Cloud Scheduler runs it in production (terraform's sweep_schedule, every minute): a job
    // that needs the sweeper (a lost task, a lease whose holder died) is found as it would be.
    sweeper = startSweeperLoop(stack.sweepUrl, SWEEP_EVERY_MS);
    const ctx: RunContext = { o, stack, pool, events, ledger: createLogLedger(), notes: new Set() };
    await warmUp(ctx);
    const scenarios: { report: ScenarioReport; totals: Record<PathName, PathTotals> }[] = [];
    for (const plan of o.plans) {
      const result = await runScenario(ctx, plan);
      scenarios.push(result);
      o.log(formatScenarioLine(result.report));
    }
    const reports = scenarios.map((s) => s.report);
    const queue = {
      queueConcurrency: config.queueConcurrency,
      maxDispatchesPerSecond: FIXED_QUEUE_SETTINGS.maxDispatchesPerSecond,
    };
    const limits = computeLimits(ceilings, reports, queue, machine.cores);
    const logLines = ctx.ledger.counts();
    if (logLines.requests === 0)
      ctx.notes.add(
        'the api wrote no "request handled" lines: Firestore counts are 0, API counts are the client\'s',
      );
    if (logLines.withFirestore === 0) ctx.notes.add("no log line carried Firestore counts");
    const { operations, operationsFrom } = aggregateOperations(scenarios);
    const report: BenchReport = {
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      quick: o.quick,
      machine,
      config: {
        queueConcurrency: config.queueConcurrency,
        maxDispatchesPerSecond: FIXED_QUEUE_SETTINGS.maxDispatchesPerSecond,
        pixellabLatencyMs: [...new Set(o.plans.map((p) => p.pixellabLatencyMs))].sort((a, b) => a - b),
        ...terraformConcurrency(),
        queueCapacity: config.limits.queueCapacity,
        userActiveJobLimit: config.limits.userActiveJobs,
        sustainedSeconds: o.sustainedSeconds,
        scenarios: o.plans.map((p) => p.slug),
      },
      ceilings,
      limits,
      scenarios: reports,
      operations,
      operationsFrom,
      targets: checkTargets(reports, limits, machine.cores),
      logLines,
      events: { ...events.byType },
      files: { report: "", latest: "" },
      notes: [...ctx.notes],
    };
    report.files = writeReport(o.outDir, report);
    return report;
  } finally {
    await sweeper?.stop();
    await pool?.close();
    await events?.stop();
    await stack.stop();
  }
}

/** Drives the warm-up plan through the whole stack and forgets it: nothing of it is reported. */
async function warmUp(ctx: RunContext): Promise<void> {
  const { o, stack } = ctx;
  const plan = o.warmUp;
  const started = Date.now();
  o.log(`  ${plan.name} (not measured)`);
  stack.pixellab.setScenario("");
  const records = await playWorkload(await workloadContext(ctx, plan, () => undefined), plan);
  const ended = records.filter((r) => r.endedAt !== null).length;
  o.log(
    `  warmed up: ${ended} of ${records.length} jobs ended in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

/** The plan's clients (pool users `0 … clients-1`) and where they send their requests. */
async function workloadContext(
  ctx: RunContext,
  plan: ScenarioPlan,
  log: (line: string) => void,
): Promise<WorkloadContext> {
  return {
    apiUrl: ctx.stack.apiUrl,
    users: await ctx.pool.take(plan.clients),
    slug: plan.slug,
    scenario: plan.name,
    watchTimeoutMs: ctx.o.watchTimeoutMs,
    log,
  };
}

/** How often the benchmark calls the sweeper, ms: production's schedule. @defaultValue 60_000 */
const SWEEP_EVERY_MS = 60_000;

/** The stack's processes whose CPU each scenario reports (the load driver is this process). */
const STACK_SERVICES = ["firestore", "pubsub", "auth", "redis", "cloud-tasks-emulator", ...FUNCTION_TARGETS];

async function runScenario(ctx: RunContext, plan: ScenarioPlan) {
  const { o, stack } = ctx;
  o.log(`▶ ${plan.name}`);
  stack.pixellab.setScenario(plan.pixellabLatencyMs > 0 ? `latency=${plan.pixellabLatencyMs}` : "");
  const work = await workloadContext(ctx, plan, o.log);
  const pids = Object.fromEntries(FUNCTION_TARGETS.map((t) => [t, stack.service(t)?.pid ?? 0]));
  for (const pid of Object.values(pids))
    if (!resetPeakMemory(pid))
      ctx.notes.add("peak memory could not be reset: the figures are peaks since start");
  const active = plan.workload === "burst" ? sampleActiveJobs(stack.firestore) : undefined;
  const groups = Object.fromEntries(
    STACK_SERVICES.map((name) => [name, stack.service(name)?.pid ?? 0] as const).filter(([, pid]) => pid > 0),
  );
  const cpuBefore = sampleCpu(groups);
  const records = await playWorkload(work, plan);
  // Every client has seen its job end: what trails (events landing) is not the scenario's load.
  const cpuAfter = sampleCpu(groups);
  const peakActiveJobs = (await active?.stop()) ?? null;
  // The functions log a request's line as it ends and events trail their jobs: let both land.
  await sleep(500);
  await ctx.events.settle(1_000, 5_000);
  ctx.ledger.refresh(stack.logFiles);
  const stats = stack.pixellab.stats();
  const callsByTag = (tag: string) => stats.byTag[tag]?.calls ?? 0;
  const costs = costSubmissions(records, {
    ledger: ctx.ledger,
    events: ctx.events.byJob,
    pixellabCallsByTag: callsByTag,
  });
  const tags = new Set(records.map((r) => r.tag));
  const refusedQueueFull = records.some((r) => r.problemType?.endsWith("/queue-full") === true);
  if (refusedQueueFull)
    ctx.notes.add("a full queue is answered 503 /problems/queue-full (429 is the per-user limit)");
  return scenarioFigures({
    name: plan.name,
    slug: plan.slug,
    workload: plan.workload,
    clients: plan.clients,
    pixellabLatencyMs: plan.pixellabLatencyMs,
    offeredPerSecond: plan.ratePerSecond ?? null,
    queueCapacity: plan.workload === "burst" ? o.queueCapacity : null,
    peakActiveJobs,
    costs,
    pixellabCalls: [...tags].reduce((sum, tag) => sum + callsByTag(tag), 0),
    storedBytes: await storedBytesPerJob(stack.firestore, costs),
    peakMemoryMiB: Object.fromEntries(Object.entries(pids).map(([t, pid]) => [t, peakMemoryMiB(pid)])),
    cpu: { before: cpuBefore, after: cpuAfter },
  });
}

function playWorkload(work: WorkloadContext, plan: ScenarioPlan): Promise<SubmissionRecord[]> {
  switch (plan.workload) {
    case "closed-loop":
      return closedLoop(work, {
        ...(plan.jobsPerClient !== undefined && { jobsPerClient: plan.jobsPerClient }),
        ...(plan.durationMs !== undefined && { durationMs: plan.durationMs }),
      });
    case "open-loop":
      return openLoop(work, plan.ratePerSecond ?? 1, plan.durationMs ?? 10_000);
    case "burst":
      return burst(work, plan.burst ?? plan.clients * USER_ACTIVE_JOBS);
    case "duplicate-mix":
      return duplicateMix(work, plan.cycles ?? 1);
  }
}
