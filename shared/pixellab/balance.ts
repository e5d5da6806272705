import { z } from "zod";
import type { Decoded } from "./response-decoding.ts";

/**
 * The account balance in one shape for both APIs (reference §3.8): v1 answers `{type:"usd", usd}`,
 * v2 `{credits:{type:"usd", usd}, subscription:{generations, total, status?, plan?}}`.
 */
export interface Balance {
  /** Prepaid credit in USD; null when the answer had none. */
  usd: number | null;
  /** The subscription's generations (v2 only); null on v1. */
  subscription: {
    /** Generations left this period. */
    generations: number;
    /** Generations included per period. */
    total: number;
    status: string | null;
    plan: string | null;
  } | null;
}

const usdAmount = z.looseObject({ type: z.literal("usd").optional(), usd: z.number() });
const v1Balance = usdAmount;
const v2Balance = z.looseObject({
  credits: usdAmount.nullish(),
  subscription: z
    .looseObject({
      generations: z.number(),
      total: z.number(),
      status: z.string().nullish(),
      plan: z.string().nullish(),
    })
    .nullish(),
});

/** Decodes `GET /balance` in either shape. Pure. */
export function decodeBalance(body: unknown): Decoded<Balance> {
  const v1 = v1Balance.safeParse(body);
  if (v1.success) return { ok: true, value: { usd: v1.data.usd, subscription: null } };
  const v2 = v2Balance.safeParse(body);
  if (!v2.success) return { ok: false, problem: "balance has neither a usd amount nor credits/subscription" };
  const credits = v2.data.credits ?? null;
  const sub = v2.data.subscription ?? null;
  if (credits === null && sub === null)
    return { ok: false, problem: "balance has no credits and no subscription" };
  const subscription =
    sub === null
      ? null
      : {
          generations: sub.generations,
          total: sub.total,
          status: sub.status ?? null,
          plan: sub.plan ?? null,
        };
  return { ok: true, value: { usd: credits?.usd ?? null, subscription } };
}
