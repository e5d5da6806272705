import { defineConfig } from "vitest/config";

// Two tiers that can run apart: `unit` is pure (no I/O, no emulators); `integration` runs against the
// real Firestore and Pub/Sub emulators and a private redis-server, started once by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/harness/global-setup.ts"],
          setupFiles: ["tests/harness/worker-env.ts"],
          // Emulator round trips are slow on 2 cores; these are upper bounds, not expectations.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: "forks",
        },
      },
    ],
  },
});
