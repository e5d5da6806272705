import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { COLLECTIONS } from "./collections.ts";
import { isAlreadyExists } from "./firestore-errors.ts";
import type { JobStore } from "./job-store.ts";
import type { OpMeter } from "./op-meter.ts";

/**
 * A user's webhook signing secrets: the current one, and after a rotation the previous one until
 * `previousExpiresAt` (ms), during which deliveries carry a signature by each. Times in ms.
 */
export interface WebhookSecrets {
  current: string;
  createdAt: number;
  previous: string | null;
  previousExpiresAt: number | null;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one while valid. */
export function signingSecrets(secrets: WebhookSecrets, now: number): string[] {
  const previousValid = secrets.previous !== null && (secrets.previousExpiresAt ?? 0) > now;
  return previousValid ? [secrets.current, secrets.previous as string] : [secrets.current];
}

/** A user's first secrets: `fresh`, made at `now` (ms). */
export function firstSecrets(fresh: string, now: number): WebhookSecrets {
  return { current: fresh, createdAt: now, previous: null, previousExpiresAt: null };
}

/**
 * The secrets after a rotation to `fresh` at `now`: the current one (if any) becomes the previous,
 * valid until `previousUntil` (ms); one rotated out before is dropped.
 */
export function rotatedSecrets(
  old: WebhookSecrets | undefined,
  fresh: string,
  now: number,
  previousUntil: number,
): WebhookSecrets {
  if (old === undefined) return firstSecrets(fresh, now);
  return { current: fresh, createdAt: now, previous: old.current, previousExpiresAt: previousUntil };
}

const stored = z.object({
  current: z.string(),
  createdAt: z.instanceof(Timestamp),
  previous: z.string().nullable(),
  previousExpiresAt: z.instanceof(Timestamp).nullable(),
});

function decode(userId: string, data: unknown): WebhookSecrets {
  const parsed = stored.safeParse(data);
  if (!parsed.success) throw new Error(`webhookSecrets/${userId} is malformed: ${parsed.error.message}`);
  const { current, createdAt, previous, previousExpiresAt } = parsed.data;
  return {
    current,
    createdAt: createdAt.toMillis(),
    previous,
    previousExpiresAt: previousExpiresAt?.toMillis() ?? null,
  };
}

function encode(secrets: WebhookSecrets) {
  return {
    ...secrets,
    createdAt: Timestamp.fromMillis(secrets.createdAt),
    previousExpiresAt:
      secrets.previousExpiresAt === null ? null : Timestamp.fromMillis(secrets.previousExpiresAt),
  };
}

/**
 * `webhookSecrets/{uid}`, server-only (the security rules deny clients). Getting costs 1 read (and 1
 * write the first time); a rotation 1 read and 1 write, in a transaction so two rotations at once
 * leave one previous secret, not a lost one.
 */
export function firestoreWebhookSecrets(
  firestore: Firestore,
  meter: OpMeter,
): Pick<JobStore, "webhookSecret" | "rotateWebhookSecret"> {
  const ref = (userId: string) => firestore.collection(COLLECTIONS.webhookSecrets).doc(userId);
  return {
    async webhookSecret(userId, fresh, now) {
      const snap = await ref(userId).get();
      meter.read();
      if (snap.exists) return decode(userId, snap.data());
      const made = firstSecrets(fresh, now);
      try {
        await ref(userId).create(encode(made));
        meter.write();
        return made;
      } catch (error) {
        // Another request made it first: theirs is the secret.
        if (!isAlreadyExists(error)) throw error;
        const again = await ref(userId).get();
        meter.read();
        return decode(userId, again.data());
      }
    },
    async rotateWebhookSecret(userId, fresh, now, previousUntil) {
      return firestore.runTransaction(async (tx) => {
        const snap = await tx.get(ref(userId));
        meter.read();
        const old = snap.exists ? decode(userId, snap.data()) : undefined;
        const next = rotatedSecrets(old, fresh, now, previousUntil);
        tx.set(ref(userId), encode(next));
        meter.write();
        return next;
      });
    },
  };
}
