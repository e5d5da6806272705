import type { IncomingMessage, ServerResponse } from "node:http";
import type { OperationName } from "../../../shared/operations/operations.ts";
import type { BackgroundJobs } from "./background-jobs.ts";
import { fakeImages, fakeUsage, type ImageDefect } from "./fake-output.ts";
import { bearerToken, BodyTooLargeError, readBody, sendJson, waitUnlessClosed } from "./http-io.ts";
import { outcomeForCall, scenarioForRequest, type Outcome, type Scenario } from "./scenarios.ts";
import { requestHash, type StatsRecorder, type TaggedOutput } from "./stats.ts";
import { jsonInvalid, validateBody } from "./validation.ts";

/** Server-wide settings and state a generation call needs. */
export interface FakeContext {
  apiKey: string;
  defaultScenario: Scenario;
  /** Admitted calls + running jobs allowed at once; null = no cap. */
  maxConcurrent: number | null;
  /** How long background jobs stay `processing`, in ms. */
  backgroundJobDurationMs: number;
  /** Answer every create call as a background job. */
  async: boolean;
  stats: StatsRecorder;
  jobs: BackgroundJobs;
}

/** A call to one generation endpoint, e.g. `POST /v2/create-image-pixflux`. */
export interface GenerationCall {
  operation: OperationName;
  version: "v1" | "v2";
  /** Stats key, `"POST /v2/create-image-pixflux"`. */
  endpoint: string;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Serves one generation call. Order, as a FastAPI app would run it: auth, JSON decoding, the account's
 * concurrency cap, then the injected scenario (after its latency), then schema validation, then the
 * images. Directives are read right after auth, since `auth_error` must answer like a bad token.
 */
export async function handleGeneration(
  ctx: FakeContext,
  call: GenerationCall,
  req: IncomingMessage,
  res: ServerResponse,
) {
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendJson(res, 413, { detail: "Request body too large" });
    throw error;
  }
  const parsed = parseJson(text);
  const callNumber = ctx.stats.call(call.endpoint, requestHash(parsed.ok ? parsed.value : text));
  const authorised = bearerToken(req) === ctx.apiKey;
  if (!authorised) return sendJson(res, 401, { detail: "Invalid API token" });
  const chosen = scenarioForRequest(ctx.defaultScenario, parsed.ok ? directiveTexts(parsed.value) : []);
  if (!chosen.ok) return sendJson(res, 400, { detail: `Bad fake directive: ${chosen.message}` });
  const scenario = chosen.scenario;
  if (scenario.tag !== null) {
    const finished = ctx.stats.tagged(scenario.tag);
    res.once("close", () => finished(res.writableFinished ? res.statusCode : "aborted"));
  }
  const outcome = outcomeForCall(scenario, callNumber);
  if (outcome === "auth_error") return sendJson(res, 401, { detail: "Invalid API token" });
  if (!parsed.ok) return sendJson(res, 422, { detail: [jsonInvalid(parsed.error)] });

  const concurrent = ctx.stats.inFlightNow() + ctx.jobs.running();
  if (ctx.maxConcurrent !== null && concurrent >= ctx.maxConcurrent) {
    return sendJson(res, 429, { detail: "Too many concurrent jobs" });
  }
  ctx.stats.enter(concurrent + 1);
  res.once("close", () => {
    ctx.stats.leave();
    if (!res.writableFinished) ctx.stats.aborted();
  });
  if (!(await waitUnlessClosed(res, scenario.latencyMs))) return undefined;
  return answer(ctx, call, res, parsed.value, scenario, outcome);
}

function answer(
  ctx: FakeContext,
  call: GenerationCall,
  res: ServerResponse,
  body: unknown,
  scenario: Scenario,
  outcome: Outcome,
) {
  switch (outcome) {
    case "timeout":
      return undefined; // hold the connection open; the close is counted as `aborted`
    case "validation_error": {
      const input = (body as { description?: unknown; action?: unknown } | null) ?? {};
      const entry = {
        type: "value_error",
        loc: ["body", "description"],
        msg: "Value error, rejected by [fake:validation_error]",
      };
      return sendJson(res, 422, { detail: [{ ...entry, input: input.description ?? input.action ?? null }] });
    }
    case "payment_required":
      return sendJson(res, 402, { detail: "Insufficient credits" });
    case "rate_limit": {
      const retry = scenario.retryAfterSeconds;
      return sendJson(
        res,
        429,
        { detail: "Too many requests" },
        retry === null ? {} : { "retry-after": String(retry) },
      );
    }
    case "overloaded":
      return sendJson(res, 529, { detail: "Rate limit exceeded" });
    case "server_error": {
      const status = scenario.serverErrorStatus;
      return sendJson(res, status, {
        detail: status === 503 ? "Service Unavailable" : "Internal Server Error",
      });
    }
    case "auth_error":
      return sendJson(res, 401, { detail: "Invalid API token" });
    default:
      return succeed(ctx, call, res, body, scenario, outcome);
  }
}

function succeed(
  ctx: FakeContext,
  call: GenerationCall,
  res: ServerResponse,
  body: unknown,
  scenario: Scenario,
  defect: ImageDefect | "success",
) {
  const validation = validateBody(call.operation, body);
  if (!validation.ok) return sendJson(res, 422, { detail: validation.detail });
  const images = fakeImages(validation.request, defect === "success" ? "none" : defect, scenario.dataUri);
  const usage = scenario.usd === null ? fakeUsage(call.version) : { type: "usd", usd: scenario.usd };
  // A generation is handed out (and billed) here, whether it comes back now or as a background job.
  if (scenario.tag !== null) ctx.stats.generated(scenario.tag, taggedOutput(ctx, scenario, defect));
  const single = call.operation !== "animate-with-text";
  const result = single ? { image: images[0] } : { images };
  if (!(scenario.background ?? ctx.async)) return sendJson(res, 200, { ...result, usage });
  const jobId = ctx.jobs.create({
    durationMs: scenario.jobMs ?? ctx.backgroundJobDurationMs,
    // Finished jobs report every output under `images`, even single ones (ENV, REF2 for v3).
    result: { images },
    failure: scenario.jobFailed
      ? "Generation failed: the model could not produce an image (fake job_failed)"
      : null,
    usage,
    tag: scenario.tag,
  });
  ctx.stats.jobCreated();
  return sendJson(res, 202, { background_job_id: jobId, status: "processing" });
}

/** What a successful call hands out, for the per-tag stats (a failing job only in background mode). */
function taggedOutput(ctx: FakeContext, scenario: Scenario, defect: ImageDefect | "success"): TaggedOutput {
  if (scenario.jobFailed && (scenario.background ?? ctx.async)) return "failed-job";
  return defect === "success" ? "sound" : "spoiled";
}

/** The free-text fields that may carry `[fake:...]` directives. */
function directiveTexts(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const { description, action } = body as Record<string, unknown>;
  return [description, action].filter((t): t is string => typeof t === "string");
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
