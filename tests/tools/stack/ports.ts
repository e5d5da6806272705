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
  const entries = Object.entries(ports) as [keyof StackPorts, number][];
  const checks = await Promise.all(
    entries.map(async ([name, port]) => ((await isFree(port)) ? undefined : `${name} (${port})`)),
  );
  return checks.filter((c): c is string => c !== undefined);
}
