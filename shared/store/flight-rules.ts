import type { CacheEntry, FlightRequest, FlightStart } from "./job-store.ts";

/** A job generating a cache key's result right now, as recorded on the cache entry. */
export interface Flight {
  jobId: string;
  /** Until when (ms) it counts as live: its attempt's lease end. A dead leader's flight lapses then. */
  until: number;
}

/** What the cache document holds: a result (if any, and not expired) and a flight (if any). */
export interface CacheSlot {
  entry: CacheEntry | undefined;
  flight: Flight | undefined;
}

/**
 * Single-flight, decided once for both stores. Identical requests from different users are
 * different jobs (own owner, slot, events), but only one of them pays PixelLab at a time:
 * - a stored result the job may use (its own, or produced since it was submitted) answers it;
 * - the job's own flight (a redelivery of its attempt) lets it lead again;
 * - another job's live flight makes it wait for that result;
 * - otherwise (nothing, an expired or too-old result, a lapsed flight) it takes the flight over.
 * Followers never inherit a leader's failure: a failed leader ends its flight and the next job
 * leads with its own attempt, retries and error, as if it had been alone.
 */
export function flightDecision(stored: CacheSlot, request: FlightRequest): FlightStart | "take-over" {
  const { entry, flight } = stored;
  if (entry !== undefined && (entry.jobId === request.jobId || entry.createdAt >= request.acceptFrom)) {
    return { kind: "stored", entry };
  }
  if (flight?.jobId === request.jobId) return "take-over"; // refresh our own flight's lease
  if (flight !== undefined && flight.until > request.now) {
    return { kind: "follow", jobId: flight.jobId, until: flight.until };
  }
  return "take-over";
}

/** Whether `jobId`'s flight is still what the cache document shows at `now` (ms). */
export function flightLive(stored: CacheSlot | undefined, jobId: string, now: number): boolean {
  return stored?.flight?.jobId === jobId && stored.flight.until > now;
}

/** How long after its lease a flight-only cache document is kept before the TTL policy drops it. */
export const FLIGHT_RETENTION_MS = 86_400_000;
