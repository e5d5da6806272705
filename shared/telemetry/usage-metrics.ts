import type { Usage } from "../pixellab/usage.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Records what one PixelLab generation cost, where it was paid for (the job that led it, not the jobs
 * that shared its result): `genqueue_pixellab_usage_usd_total` by operation. Only usage PixelLab
 * reports in USD is added; subscription accounts report generations or credits, which have no
 * price here, so their spend shows as nothing rather than as a guess.
 */
export function recordUsage(metrics: Metrics, operation: string, usage: Usage | null): void {
  if (usage?.type === "usd") metrics.add("pixellabUsage", { operation }, usage.usd);
}
