import type { ResolvedOptions } from "./options.ts";
import { PIXELLAB_FAULTS, type PixelLabFault } from "./pixellab-faults.ts";
import { between, chance, derivedRandom, pick, type Random } from "./random.ts";

/** A `POST /v1/jobs` body. */
export interface SubmitBody {
  operation: "generate-image-pixflux" | "generate-image-bitforge";
  input: { description: string; image_size: { width: number; height: number }; seed: number };
}

/** One submission the run will make, and what its client does around it. */
export interface PlannedSubmission {
  index: number;
  /** Index into the signed-up users. */
  user: number;
  /**
   * `[fake:tag=…]` of its request: the offline server counts calls and generations per tag, so each
   * job's PixelLab bill can be read back. A copy of another request carries that request's tag.
   */
  tag: string;
  body: SubmitBody;
  /** How PixelLab misbehaves for it, or null for a healthy job. */
  fault: PixelLabFault | null;
  /** Sent with this `Idempotency-Key`, and sent once more with it, as a client retrying would. */
  idempotencyKey: string | null;
  /** The same user sends the same body again at once (a double click): one job must answer both. */
  repeatNow: boolean;
  /** The index of an earlier submission by another user whose body this one repeats, or null. */
  copyOf: number | null;
  /** The client cancels the job this long after it was accepted, or null. */
  cancelAfterMs: number | null;
}

const NOUNS = ["knight", "slime", "wizard", "chest", "tree", "bat", "potion", "golem", "ship", "cat"];

/** The whole run's submissions, from the seed: the same seed gives the same plan. */
export function planWorkload(options: ResolvedOptions): PlannedSubmission[] {
  const random = derivedRandom(options.seed, "workload");
  const faults = faultAssignment(options.jobs, options.failureRate, random);
  const plan: PlannedSubmission[] = [];
  for (let index = 0; index < options.jobs; index++) {
    const user = index % options.users;
    const earlier = plan.filter((p) => p.user !== user && p.copyOf === null);
    const fault = faults.get(index) ?? null;
    if (fault === null && earlier.length > 0 && chance(random, 0.015)) {
      const original = pick(random, earlier);
      const copy = { idempotencyKey: null, repeatNow: false, copyOf: original.index, cancelAfterMs: null };
      plan.push({ ...original, ...copy, index, user });
      continue;
    }
    const tag = `j${index}`;
    const directives = [`tag=${tag}`, `latency=${between(random, 0, 250)}`];
    if (fault !== null) directives.push(fault.directives);
    else if (chance(random, 0.2)) directives.push(`background,job_ms=${between(random, 200, 1_500)}`);
    const bitforge = chance(random, 0.15);
    const side = pick(random, [32, 48]);
    plan.push({
      index,
      user,
      tag,
      body: {
        operation: bitforge ? "generate-image-bitforge" : "generate-image-pixflux",
        input: {
          description: `chaos ${pick(random, NOUNS)} number ${index} [fake:${directives.join(",")}]`,
          image_size: { width: side, height: side },
          seed: index,
        },
      },
      fault,
      idempotencyKey: chance(random, 0.15) ? `chaos-${options.seed}-${index}` : null,
      repeatNow: chance(random, 0.015),
      copyOf: null,
      cancelAfterMs: chance(random, options.cancelRate) ? between(random, 0, 4_000) : null,
    });
  }
  return plan;
}

/**
 * Which jobs PixelLab fails for: `round(jobs × rate)` of them at random, dealt the fault profiles in
 * turn, so that 13 or more faulty jobs cover every profile.
 */
function faultAssignment(jobs: number, rate: number, random: Random): Map<number, PixelLabFault> {
  const indices = Array.from({ length: jobs }, (_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  const faulty = indices.slice(0, Math.round(jobs * rate));
  return new Map(faulty.map((index, rank) => [index, PIXELLAB_FAULTS[rank % PIXELLAB_FAULTS.length]!]));
}
