import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a receiver got: its headers and its raw body, exactly as sent. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers, in order; once used up, 200. */
export interface ReceiverAnswer {
  status: number;
  location?: string;
  /** Answer only after this long, in ms (a slow receiver). */
  delayMs?: number;
}

/** A real HTTP webhook receiver on loopback, as an integrator would run one. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  port: number;
  received: ReceivedWebhook[];
  /** Queues the next answers (e.g. two 500s before the default 200). */
  answer(...answers: ReceiverAnswer[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: ReceiverAnswer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ path: req.url ?? "/", headers: req.headers, body, at: Date.now() });
      const next = answers.shift() ?? { status: 200 };
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(next.status, next.location === undefined ? {} : { Location: next.location });
        res.end();
      };
      if (next.delayMs === undefined) send();
      else setTimeout(send, next.delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    answer: (...next) => void answers.push(...next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
