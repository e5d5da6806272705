import { sleep } from "./stats.ts";
import { benchRequest, submitAndFollow, type BenchRequest, type SubmissionRecord } from "./submission.ts";
import { progressTicker, type WorkloadContext } from "./workloads.ts";

/**
 * One client's cycle: 4 new requests and 4 duplicates, so half of all submissions repeat an earlier
 * request. `double-click` sends one new request twice at once.
 *
 * - `repeat-own`: the same user sends its last request again right after it ended (inside the 10 s
 *   dedup window): answered by that job (dedup).
 * - `other-completed`: a request another user already completed: a cache hit.
 * - `join-in-flight`: a request another user's job is generating right now: a job of its own that
 *   shares that generation (single-flight) or finds its result stored meanwhile.
 * - `double-click`: one new request twice at once: one job, the second answer deduplicated.
 */
const CYCLE = [
  "fresh",
  "repeat-own",
  "fresh",
  "other-completed",
  "fresh",
  "join-in-flight",
  "double-click",
] as const;

/** Requests the clients have running or finished, shared so each can repeat another's. */
interface Registry {
  running: Map<string, { request: BenchRequest; client: number }>;
  completed: { request: BenchRequest; client: number; at: number }[];
}

/** `clients` closed-loop clients, each playing `cycles` cycles, started 300 ms apart so their steps interleave. */
export async function duplicateMix(ctx: WorkloadContext, cycles: number): Promise<SubmissionRecord[]> {
  const records: SubmissionRecord[] = [];
  const registry: Registry = { running: new Map(), completed: [] };
  const progress = progressTicker(ctx, records);
  let fresh = 0;
  const newRequest = (client: number) => {
    const n = fresh++;
    return benchRequest(`${ctx.slug}.${client}.${n}`, n);
  };
  await Promise.all(
    ctx.users.map(async (user, client) => {
      await sleep(client * 300);
      let last: BenchRequest | undefined;
      const send = async (request: BenchRequest, kind: string) => {
        const meta = { scenario: ctx.scenario, client, kind };
        const own = kind === "fresh" || kind === "double-click";
        if (own) registry.running.set(request.key, { request, client });
        const record = await submitAndFollow(
          { apiUrl: ctx.apiUrl, watchTimeoutMs: ctx.watchTimeoutMs, retryUntil: Date.now() + 60_000 },
          user,
          request,
          meta,
        );
        records.push(record);
        if (own) {
          registry.running.delete(request.key);
          if (record.endStatus === "completed") registry.completed.push({ request, client, at: Date.now() });
        }
        return record;
      };
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (const step of CYCLE) {
          if (step === "fresh") {
            last = newRequest(client);
            await send(last, step);
          } else if (step === "repeat-own") {
            await send(last ?? newRequest(client), step);
          } else if (step === "other-completed") {
            await send(completedByOther(registry, client) ?? last ?? newRequest(client), step);
          } else if (step === "join-in-flight") {
            const running = await runningByOther(registry, client);
            await send(running ?? completedByOther(registry, client) ?? newRequest(client), step);
          } else {
            last = newRequest(client);
            const request = last;
            await Promise.all([
              send(request, "double-click"),
              sleep(20).then(() => send(request, "double-click-repeat")),
            ]);
          }
        }
      }
    }),
  );
  progress.stop();
  return records;
}

function completedByOther(registry: Registry, client: number): BenchRequest | undefined {
  const candidates = registry.completed.filter((c) => c.client !== client);
  return candidates[candidates.length - 1]?.request;
}

/** Another client's running request, waiting up to 2 s for one to appear. */
async function runningByOther(registry: Registry, client: number) {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const found = [...registry.running.values()].find((r) => r.client !== client);
    if (found !== undefined || Date.now() >= deadline) return found?.request;
    await sleep(25);
  }
}
