/** `npm run trace` arguments. Pure: argv and environment in, options out; a bad one throws a message naming it. */
import path from "node:path";
import { portsFromEnv } from "../stack/ports.ts";
import { SPANS_FILE_NAME, STACK_STATE_DIR } from "../stack/stack-env.ts";

/** The spans file `npm start`'s OTLP receiver appends to. */
export const DEFAULT_SPANS_FILE = path.join(STACK_STATE_DIR, SPANS_FILE_NAME);

export const USAGE = `Usage: npm run trace -- <jobId> [options]
       npm run trace -- --trace <traceId> [options]
  Prints one job's trace as a timeline: every span by parentage, then queue wait, each attempt,
  each PixelLab call and the storing, as offset from the trace's start and duration in ms.
  --file FILE         the spans file (default ${DEFAULT_SPANS_FILE}, where npm start writes)
  --trace ID          show this trace (32 hex digits) instead of looking the job up
  --firestore H:P     where to read the job's traceparent when no span names the job
                      (default the stack's emulator, 127.0.0.1:$STACK_FIRESTORE_PORT or 8080)
  --no-firestore      use the spans file alone
  --help              print this text`;

export interface TraceOptions {
  /** The job to show; empty with {@link TraceOptions.traceId} alone. */
  jobId: string;
  traceId?: string;
  file: string;
  /** `host:port` of the Firestore emulator, or undefined to use the file alone. */
  firestore?: string;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Parses argv (without node and the script); `env` gives the stack's Firestore port. */
export function parseTraceArgs(argv: readonly string[], env: NodeJS.ProcessEnv): TraceOptions | "help" {
  if (argv.some((a) => a === "--help" || a === "-h")) return "help";
  let jobId: string | undefined;
  let traceId: string | undefined;
  let file = DEFAULT_SPANS_FILE;
  let firestore: string | undefined = `127.0.0.1:${portsFromEnv(env).firestore}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag = "", inline] = arg.split(/=(.*)/s, 2);
    if (flag === "--no-firestore") {
      firestore = undefined;
      continue;
    }
    if (!arg.startsWith("-")) {
      if (jobId !== undefined)
        throw new Error(`one job id, got ${JSON.stringify(jobId)} and ${JSON.stringify(arg)}`);
      if (!JOB_ID.test(arg))
        throw new Error(`job id ${JSON.stringify(arg)}: expected 1-128 letters, digits, - or _`);
      jobId = arg;
      continue;
    }
    if (!["--file", "--trace", "--firestore"].includes(flag))
      throw new Error(`unknown option ${JSON.stringify(flag)}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
    if (flag === "--file") file = value;
    else if (flag === "--trace") {
      if (!TRACE_ID.test(value.toLowerCase()))
        throw new Error(`--trace ${JSON.stringify(value)}: expected 32 hex digits`);
      traceId = value.toLowerCase();
    } else {
      if (!HOST_PORT.test(value)) throw new Error(`--firestore ${JSON.stringify(value)}: expected host:port`);
      firestore = value;
    }
  }
  if (jobId === undefined && traceId === undefined)
    throw new Error("which job? give its id (or --trace <traceId>)");
  return {
    jobId: jobId ?? "",
    file,
    ...(traceId !== undefined && { traceId }),
    ...(firestore !== undefined && { firestore }),
  };
}
