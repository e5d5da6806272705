import http from "node:http";
import { OIDC_PATHS } from "./oidc.ts";

/** What the admin port exposes. */
export interface AdminActions {
  /** Issuer and base URL are known only once the port is bound. */
  openidConfiguration: () => Record<string, unknown>;
  jwks: () => unknown;
  certs: () => Record<string, string>;
  reset: () => void;
  /** Resolves when idle; rejects after `timeoutMs`. */
  waitUntilIdle: (queueName: string | undefined, timeoutMs: number) => Promise<void>;
}

/** wait-idle's default timeout when the caller gives none, ms. */
const DEFAULT_WAIT_IDLE_MS = 30_000;

function sendJson(res: http.ServerResponse, statusCode: number, body: unknown): void {
  res.writeHead(statusCode, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * The admin HTTP port: OIDC discovery (`/.well-known/openid-configuration`, `/jwks`, `/certs`) so a
 * handler verifies tokens as it would Google's, plus test controls (`POST /reset`,
 * `POST /wait-idle?queue=…&timeoutMs=…`) and `GET /` answering `Ok` like Google's emulators.
 */
export function createAdminServer(actions: AdminActions): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://admin.invalid");
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    switch (route) {
      case "GET /":
        res.end("Ok");
        return;
      case `GET ${OIDC_PATHS.configuration}`:
        sendJson(res, 200, actions.openidConfiguration());
        return;
      case `GET ${OIDC_PATHS.jwks}`:
        sendJson(res, 200, actions.jwks());
        return;
      case `GET ${OIDC_PATHS.certs}`:
        sendJson(res, 200, actions.certs());
        return;
      case "POST /reset":
        actions.reset();
        res.writeHead(204).end();
        return;
      case "POST /wait-idle": {
        const queue = url.searchParams.get("queue") ?? undefined;
        const timeoutMs = Number(url.searchParams.get("timeoutMs") ?? DEFAULT_WAIT_IDLE_MS);
        if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
          sendJson(res, 400, { error: "timeoutMs must be a non-negative number of milliseconds" });
          return;
        }
        actions.waitUntilIdle(queue, timeoutMs).then(
          () => sendJson(res, 200, { idle: true }),
          (error: Error) => sendJson(res, 408, { idle: false, error: error.message }),
        );
        return;
      }
      default:
        sendJson(res, 404, { error: `no route ${route}` });
    }
  });
}
