import type { BenchUser } from "./bench-users.ts";
import { sleep } from "./stats.ts";
import { benchRequest, submitAndFollow, type SubmissionRecord, type SubmitSettings } from "./submission.ts";

/** What a workload needs: where to send, who sends, and the scenario's tag prefix. */
export interface WorkloadContext {
  apiUrl: string;
  users: readonly BenchUser[];
  /** Short, unique per scenario: request keys (and so PixelLab tags and cache keys) start with it. */
  slug: string;
  scenario: string;
  watchTimeoutMs: number;
  log: (line: string) => void;
}

const settings = (ctx: WorkloadContext, retryUntil: number | null): SubmitSettings => ({
  apiUrl: ctx.apiUrl,
  watchTimeoutMs: ctx.watchTimeoutMs,
  retryUntil,
});

/**
 * Closed loop: every user is one client that submits a new, unique request, follows its job to the
 * end, and submits the next, until it made `jobsPerClient` or `durationMs` passed. Refusals are
 * waited out (Retry-After, capped at 2 s) and sent again.
 */
export async function closedLoop(
  ctx: WorkloadContext,
  stop: { jobsPerClient?: number; durationMs?: number },
): Promise<SubmissionRecord[]> {
  const records: SubmissionRecord[] = [];
  const deadline = stop.durationMs === undefined ? Infinity : Date.now() + stop.durationMs;
  const progress = progressTicker(ctx, records);
  await Promise.all(
    ctx.users.map(async (user, client) => {
      for (let n = 0; n < (stop.jobsPerClient ?? Infinity) && Date.now() < deadline; n++) {
        const request = benchRequest(`${ctx.slug}.${client}.${n}`, client * 100_000 + n);
        const meta = { scenario: ctx.scenario, client, kind: "fresh" };
        records.push(await submitAndFollow(settings(ctx, Date.now() + 60_000), user, request, meta));
      }
    }),
  );
  progress.stop();
  return records;
}

/**
 * Open loop: a new unique request every `1000 / ratePerSecond` ms for `durationMs`, whatever the
 * earlier ones are doing, from the users in turn; each is followed to its end. No refusal is retried.
 */
export async function openLoop(
  ctx: WorkloadContext,
  ratePerSecond: number,
  durationMs: number,
): Promise<SubmissionRecord[]> {
  const records: SubmissionRecord[] = [];
  const running: Promise<void>[] = [];
  const progress = progressTicker(ctx, records);
  const started = Date.now();
  const total = Math.max(1, Math.floor((durationMs / 1000) * ratePerSecond));
  for (let i = 0; i < total; i++) {
    // Absolute schedule: a late tick does not push the later arrivals back.
    const due = started + (i * 1000) / ratePerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const client = i % ctx.users.length;
    const user = ctx.users[client] as BenchUser;
    const meta = { scenario: ctx.scenario, client, kind: "arrival" };
    running.push(
      submitAndFollow(settings(ctx, null), user, benchRequest(`${ctx.slug}.${i}`, i), meta).then(
        (record) => void records.push(record),
      ),
    );
  }
  await Promise.all(running);
  progress.stop();
  return records;
}

/**
 * A burst: `count` unique requests sent at the same moment, spread evenly over the users (at most
 * the per-user limit each), none retried; every accepted job is followed to its end.
 */
export async function burst(ctx: WorkloadContext, count: number): Promise<SubmissionRecord[]> {
  const records: SubmissionRecord[] = [];
  const progress = progressTicker(ctx, records);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const client = i % ctx.users.length;
      const user = ctx.users[client] as BenchUser;
      const meta = { scenario: ctx.scenario, client, kind: "burst" };
      records.push(
        await submitAndFollow(settings(ctx, null), user, benchRequest(`${ctx.slug}.${i}`, i), meta),
      );
    }),
  );
  progress.stop();
  return records;
}

/** Prints how many submissions ended, every 10 s, so a long scenario shows it is alive. */
export function progressTicker(ctx: WorkloadContext, records: readonly SubmissionRecord[]) {
  const started = Date.now();
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    ctx.log(`    … ${seconds} s: ${records.length} submissions ended`);
  }, 10_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
