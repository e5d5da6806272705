import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { CloudTasksClient } from "@google-cloud/tasks";
import { pino } from "pino";
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
  type CloudTasksEmulatorOptions,
} from "./emulator.ts";
import type { AttemptLogLine } from "./dispatch-loop.ts";

/**
 * Test seam: an emulator whose attempt log lines are collected in memory, the unmodified official
 * client pointed at it, and a local HTTP target that records what it receives.
 */
export interface TestRig {
  emulator: CloudTasksEmulator;
  client: CloudTasksClient;
  projectId: string;
  /** Parsed attempt log lines, oldest first. */
  logLines: AttemptLogLine[];
  stop(): Promise<void>;
}

export async function startTestRig(
  options: CloudTasksEmulatorOptions = {},
  projectId = "demo-cloud-tasks",
): Promise<TestRig> {
  // The Google client must not probe the GCE metadata server (loopback only).
  process.env.METADATA_SERVER_DETECTION = "none";
  const logLines: AttemptLogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") logLines.push(JSON.parse(line) as AttemptLogLine);
      }
      done();
    },
  });
  const emulator = await startCloudTasksEmulator({ logger: pino(sink), ...options });
  const client = new CloudTasksClient(emulator.clientOptions(projectId));
  return {
    emulator,
    client,
    projectId,
    logLines,
    async stop() {
      await client.close();
      await emulator.stop();
    },
  };
}

/** One request as the target received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  /** Lower-cased names, as node:http gives them. */
  headers: http.IncomingHttpHeaders;
  /** Names with the casing the sender used, in order. */
  rawHeaderNames: string[];
  body: Buffer;
  /** Epoch ms when the request arrived. */
  receivedAtMs: number;
}

/** How the target answers one request; `hang` never answers (until the target stops). */
export type Reply = { status: number; headers?: Record<string, string>; delayMs?: number } | { hang: true };

/** A local HTTP target on 127.0.0.1 that records requests and answers through `reply`. */
export interface RecordingTarget {
  url: string;
  received: ReceivedRequest[];
  /** Requests being handled right now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  stop(): Promise<void>;
}

/** Starts the target on `port` (default: a free one the kernel picks). */
export async function startRecordingTarget(
  reply: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200 }),
  port = 0,
): Promise<RecordingTarget> {
  const target: RecordingTarget = {
    url: "",
    received: [],
    inFlight: 0,
    maxInFlight: 0,
    stop: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaderNames: req.rawHeaders.filter((_, i) => i % 2 === 0),
        body: Buffer.concat(chunks),
        receivedAtMs: Date.now(),
      };
      const index = target.received.push(request) - 1;
      target.inFlight += 1;
      target.maxInFlight = Math.max(target.maxInFlight, target.inFlight);
      const answer = reply(request, index);
      if ("hang" in answer) {
        res.on("close", () => (target.inFlight -= 1));
        return;
      }
      setTimeout(() => {
        target.inFlight -= 1;
        res.writeHead(answer.status, answer.headers).end();
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return target;
}
