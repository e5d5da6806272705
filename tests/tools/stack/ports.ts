import { createServer } from "node:net";

/** The local stack's fixed ports (documented in the README). */
export interface StackPorts {
  firestore: number;
  pubsub: number;
  auth: number;
  tasks: number;
  /** The Cloud Tasks emulator's admin HTTP port: OIDC discovery and JWKS. */
  tasksAdmin: number;
  pixellab: number;
  redis: number;
  api: number;
  processJob: number;
  sweep: number;
  web: number;
  /**
   * The OTLP/HTTP receiver the functions send their spans to. Without it (a caller that leaves it
   * out, like the chaos stack) the functions export nothing.
   */
  otlp?: number;
  /** Prometheus, scraping the functions' `/metrics`; left out, or not installed, it is not started. */
  prometheus?: number;
}

export const DEFAULT_PORTS: StackPorts = {
  firestore: 8080,
  pubsub: 8085,
  auth: 9099,
  tasks: 8123,
  tasksAdmin: 8124,
  pixellab: 8790,
  redis: 6390,
  api: 8081,
  processJob: 8082,
  sweep: 8083,
  web: 5173,
  otlp: 4318,
  prometheus: 9090,
};

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Names every port that is taken, so the stack stops before starting anything. */
export async function takenPorts(ports: StackPorts): Promise<string[]> {
  const entries = Object.entries(ports).filter((e): e is [keyof StackPorts, number] => e[1] !== undefined);
  const checks = await Promise.all(
    entries.map(async ([name, port]) => ((await isFree(port)) ? undefined : `${name} (${port})`)),
  );
  return checks.filter((c): c is string => c !== undefined);
}

/** `processJob` → `STACK_PROCESS_JOB_PORT`: the variable that moves one port. */
export function portVariable(name: keyof StackPorts): string {
  return `STACK_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_PORT`;
}

/**
 * The fixed ports, each overridable by its {@link portVariable} (e.g. `STACK_FIRESTORE_PORT=18080`),
 * so a test can run a whole `npm start` on free ports beside a stack already running.
 */
export function portsFromEnv(env: NodeJS.ProcessEnv): StackPorts {
  const ports = { ...DEFAULT_PORTS };
  for (const name of Object.keys(DEFAULT_PORTS) as (keyof StackPorts)[]) {
    const variable = portVariable(name);
    const text = env[variable];
    if (text === undefined || text === "") continue;
    const port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65_535)
      throw new Error(`${variable} must be a port number from 1 to 65535, got "${text}"`);
    ports[name] = port;
  }
  return ports;
}
