import type { Redis } from "ioredis";
import type { Deps } from "../deps.ts";

export type DependencyStatus = { status: "up"; latencyMs: number } | { status: "down"; error: string };

export interface HealthReport {
  healthy: boolean;
  dependencies: Record<string, DependencyStatus & { required: boolean }>;
}

/** How long one probe may take, in ms. @defaultValue 2_000 */
const PROBE_TIMEOUT_MS = 2_000;

async function probe(check: () => Promise<unknown>): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: "up", latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: "down", error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /health`: Firestore and the Cloud Tasks queues (both lanes') are required; Redis, an optional L1 cache, is
 * reported but never makes the service unhealthy (the API degrades to Firestore alone).
 */
export async function checkHealth(deps: Deps, redis: Redis | undefined): Promise<HealthReport> {
  const [firestore, tasks, cache] = await Promise.all([
    probe(() => deps.store.probe()),
    // Every queue: a missing batch queue would refuse every batch submission, a missing webhook
    // queue would leave every webhook to the sweeper's rescue, which could never succeed.
    probe(() =>
      Promise.all([deps.tasks.probe("interactive"), deps.tasks.probe("batch"), deps.tasks.probe("webhooks")]),
    ),
    redis === undefined ? undefined : probe(() => redis.ping()),
  ]);
  const dependencies: HealthReport["dependencies"] = {
    firestore: { ...firestore, required: true },
    cloudTasks: { ...tasks, required: true },
    ...(cache && { redis: { ...cache, required: false } }),
  };
  const healthy = Object.values(dependencies).every((d) => !d.required || d.status === "up");
  return { healthy, dependencies };
}
