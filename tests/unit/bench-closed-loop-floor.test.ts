import { describe, expect, it } from "vitest";
import { closedLoopFloor } from "../tools/bench/limits.ts";

describe("why a closed loop's mean end to end cannot reach its target on this machine", () => {
  const cases: { clients: number; cpuMs: number | null; cores: number; floor: RegExp | undefined }[] = [
    // 2 cores at 145 CPU ms a job: 13.8 jobs/s; 100 clients cycle every 7.3 s > 5 s.
    {
      clients: 100,
      cpuMs: 145,
      cores: 2,
      floor: /need 20 jobs\/s.*allows 13\.8 .*cycle of 7\.3 s; reachable here only below 100 CPU ms/,
    },
    // 50 clients at 195 ms: 10.3 jobs/s, a cycle of 4.9 s: the CPU does not forbid a 5 s mean.
    { clients: 50, cpuMs: 195, cores: 2, floor: undefined },
    { clients: 50, cpuMs: 210, cores: 2, floor: /cycle of 5\.3 s; reachable here only below 200 CPU ms/ },
    // Twice the cores, the same CPU per job: reachable.
    { clients: 100, cpuMs: 145, cores: 4, floor: undefined },
    // No CPU figures (not Linux): nothing is claimed.
    { clients: 100, cpuMs: null, cores: 2, floor: undefined },
  ];
  it.each(cases)(
    "$clients clients, $cpuMs CPU ms a job, $cores cores",
    ({ clients, cpuMs, cores, floor }) => {
      const note = closedLoopFloor(
        { clients, cpu: cpuMs === null ? null : { machineMsPerJob: cpuMs } },
        cores,
        5,
      );
      if (floor === undefined) expect(note).toBeUndefined();
      else expect(note).toMatch(floor);
    },
  );
});
