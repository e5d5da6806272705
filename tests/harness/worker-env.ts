import { inject } from "vitest";
import { HARNESS_ENV_KEY } from "./harness-env.ts";

// Runs in each test worker before its tests: the Google client libraries read these variables, and
// they must point at the emulators the global setup started (loopback only, no metadata server).
Object.assign(process.env, inject(HARNESS_ENV_KEY));
