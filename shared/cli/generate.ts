import { writeFile } from "node:fs/promises";
import { createQueueClient, type JobView, type QueueClient } from "../client/queue-client.ts";
import { anonymousEmulatorToken } from "./anonymous-token.ts";
import {
  describeError,
  EXIT_FAILED,
  EXIT_OK,
  submittedLine,
  successLine,
  terminalFailureLine,
} from "./cli-outcome.ts";
import { parseGenerateOptions, toSubmitRequest, USAGE, type GenerateOptions } from "./generate-options.ts";
import { progressReporter } from "./progress-line.ts";

/** Exit code for an interrupt (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/**
 * `npm run generate -- "a knight with a sword" --size 64 --out knight.png`: submits one generation,
 * shows its progress on stderr, writes the first image and prints a summary on stdout. See USAGE.
 */
async function main(argv: string[]): Promise<number> {
  const parsed = parseGenerateOptions(argv, process.env);
  if (parsed === "help") {
    console.log(USAGE);
    return EXIT_OK;
  }
  const token = parsed.token ?? (await anonymousEmulatorToken(parsed.authEmulator));
  const client = createQueueClient({ apiBaseUrl: parsed.api, getIdToken: async () => token });
  const submitted = await client.submit(toSubmitRequest(parsed));
  console.error(submittedLine(submitted));
  const job = await followJob(client, submitted.jobId, parsed);
  if (job === undefined) return EXIT_INTERRUPTED;
  if (job.status !== "completed") {
    console.error(terminalFailureLine(job));
    return EXIT_FAILED;
  }
  const path = parsed.out ?? `${job.jobId}.png`;
  await writeFile(path, await client.result(job.jobId, 0));
  console.log(successLine(job, path));
  return EXIT_OK;
}

/**
 * Watches the job to its end, drawing progress. Ctrl-C cancels the job (best effort) and answers
 * undefined, so an abandoned generation does not keep spending credits or a slot.
 */
async function followJob(
  client: QueueClient,
  jobId: string,
  options: GenerateOptions,
): Promise<JobView | undefined> {
  const progress = progressReporter(process.stderr);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once("SIGINT", onSigint);
  let last: JobView | undefined;
  try {
    for await (const { job } of client.watch(jobId, {
      signal: interrupt.signal,
      timeoutMs: options.waitMs,
    })) {
      progress.show(job);
      last = job;
    }
    if (last === undefined) throw new Error(`the watch of job ${jobId} ended without a state`);
    return last;
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    await client.cancel(jobId).catch(() => undefined);
    console.error(`interrupted; cancellation of job ${jobId} requested`);
    return undefined;
  } finally {
    process.off("SIGINT", onSigint);
    progress.finish();
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const { message, exitCode } = describeError(error);
      console.error(message);
      process.exitCode = exitCode;
    },
  );
}
