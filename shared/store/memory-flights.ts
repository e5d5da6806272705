import { flightDecision, flightLive, type CacheSlot, type Flight } from "./flight-rules.ts";
import type { FlightStart, JobStore } from "./job-store.ts";

/** The in-memory store's single-flight records, beside its cache entries (same rules as Firestore). */
export function memoryFlights() {
  const flights = new Map<string, Flight>();
  const waiters = new Map<string, Set<() => void>>();
  const notify = (key: string) => waiters.get(key)?.forEach((wake) => wake());

  function end(key: string) {
    if (flights.delete(key)) notify(key);
  }

  function port(slot: (key: string, now: number) => CacheSlot) {
    const methods: Pick<JobStore, "startFlight" | "awaitFlight" | "endFlight"> = {
      async startFlight(cacheKey, request): Promise<FlightStart> {
        const decision = flightDecision(slot(cacheKey, request.now), request);
        if (decision !== "take-over") return decision;
        flights.set(cacheKey, { jobId: request.jobId, until: request.until });
        notify(cacheKey);
        return { kind: "lead" };
      },
      awaitFlight(cacheKey, jobId, timeoutMs, signal) {
        return new Promise<void>((resolve) => {
          const set = waiters.get(cacheKey) ?? new Set();
          waiters.set(cacheKey, set);
          const check = () => {
            if (flightLive(slot(cacheKey, Date.now()), jobId, Date.now()) && !signal.aborted) return;
            clearTimeout(timer);
            set.delete(check);
            signal.removeEventListener("abort", check);
            resolve();
          };
          const timer = setTimeout(() => (set.delete(check), resolve()), timeoutMs);
          set.add(check);
          signal.addEventListener("abort", check, { once: true });
          check();
        });
      },
      async endFlight(cacheKey, jobId) {
        if (flights.get(cacheKey)?.jobId === jobId) end(cacheKey);
      },
    };
    return methods;
  }

  return { get: (key: string) => flights.get(key), end, port };
}
