import {
  AUTHENTICATED,
  JOB_ID,
  LOCATION,
  json,
  limited,
  problem,
  query,
  ref,
  JOB_SECURITY,
  type Operation,
  userLimited,
} from "./openapi-parts.ts";
import { IDEMPOTENCY_KEY } from "../submission/submit-request.ts";

const submit: Operation = {
  operationId: "submitJob",
  security: JOB_SECURITY,
  summary: "Submit a generation",
  description:
    "Validates and normalises the request, then answers from the cache, with the caller's own identical " +
    "job (dedup window), or with a new queued job. `Idempotency-Key` replays the first answer.",
  parameters: [
    {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      schema: { type: "string", pattern: IDEMPOTENCY_KEY.source },
    },
  ],
  requestBody: { required: true, content: json(ref("SubmitRequest")) },
  responses: {
    "202": {
      description:
        "Queued: a new job, or the caller's identical job still running. `position` and `estimatedWaitMs` " +
        "count the jobs ahead of it in its lane (`options.priority`): for a batch job every active " +
        "interactive job too.",
      headers: LOCATION,
      content: json({ oneOf: [ref("Accepted"), ref("Duplicate")] }),
    },
    "200": {
      description: "Already done: a cache hit, or the caller's identical job that has ended.",
      headers: LOCATION,
      content: json({ oneOf: [ref("Cached"), ref("Duplicate")] }),
    },
    // The Functions Framework's body parser answers this before the API's code runs: not a problem.
    "400": {
      description: "The body is not valid JSON (answered by the Functions Framework, as HTML).",
      content: { "text/html": { schema: { type: "string" } } },
    },
    "413": problem("The body is over the size limit."),
    "415": problem("The body is not `application/json`."),
    "422": problem("The request failed validation; `errors` lists every invalid field."),
    "429": userLimited(
      "A per-user limit is reached, named by `limitName`: `active-jobs` (the caller holds `limit` " +
        "queued or running jobs) or `submissions-per-minute` (the caller made `limit` submissions " +
        "this minute; the count resets at `resetsAt`) or `daily-spend-usd` (the caller's jobs today " +
        "cost or hold `spentUsd` of a `limit` USD budget, and one more would hold `holdUsd`; it " +
        "resets at `resetsAt`, UTC midnight). Anonymous users have stricter limits.",
    ),
    ...AUTHENTICATED,
    "503": limited("The queue is full, or a dependency is unavailable."),
  },
};

const readJob: Operation = {
  operationId: "getJob",
  security: JOB_SECURITY,
  summary: "A job's state, progress and result",
  parameters: [
    JOB_ID,
    query("waitSeconds", "Long-poll: hold the request until the job changes from `If-None-Match`."),
    { name: "If-None-Match", in: "header", required: false, schema: { type: "string" } },
  ],
  responses: {
    "200": {
      description:
        "The job. A queued one says why it has not started (`waiting`: `code` and `message`, with " +
        "`position` and `estimatedWaitMs` in line, or `until` and `retryAfterSeconds` for a retry), " +
        "worked out at the moment of the answer; the ETag covers it.",
      headers: { ETag: { schema: { type: "string" } } },
      content: json(ref("JobView")),
    },
    "304": { description: "Unchanged since the `If-None-Match` ETag." },
    "404": problem("No job of the caller's with this id."),
    "422": problem("Invalid `waitSeconds`."),
    ...AUTHENTICATED,
  },
};

const cancel: Operation = {
  operationId: "cancelJob",
  security: JOB_SECURITY,
  summary: "Cancel a job",
  parameters: [JOB_ID],
  responses: {
    "200": { description: "Cancelled (it had not started).", content: json(ref("JobView")) },
    "202": { description: "Cancel requested: the running attempt stops.", content: json(ref("JobView")) },
    "404": problem("No job of the caller's with this id."),
    "409": problem("The job has already ended (`jobStatus`)."),
    ...AUTHENTICATED,
  },
};

const result: Operation = {
  operationId: "getResult",
  security: JOB_SECURITY,
  summary: "One image of a completed job, as PNG",
  parameters: [JOB_ID, query("index", "Which image (0 = first).")],
  responses: {
    "200": {
      description: "The PNG.",
      content: { "image/png": { schema: { type: "string", contentMediaType: "image/png" } } },
    },
    "404": problem("No such job, or no image at this index."),
    "409": problem("The job is not completed (`jobStatus`)."),
    "422": problem("Invalid `index`."),
    ...AUTHENTICATED,
  },
};

const list: Operation = {
  operationId: "listJobs",
  security: JOB_SECURITY,
  summary: "The caller's jobs, newest first",
  parameters: [
    query("status", "Only jobs in this state."),
    query("limit", "Page size."),
    query("cursor", "`nextCursor` of the previous page."),
  ],
  responses: {
    "200": { description: "A page.", content: json(ref("JobPage")) },
    "422": problem("Invalid query."),
    ...AUTHENTICATED,
  },
};

/** The caller's own routes: submit, list, read (and long-poll), cancel, fetch an image. */
export const JOB_PATHS = {
  "/v1/jobs": { post: submit, get: list },
  "/v1/jobs/{jobId}": { get: readJob, delete: cancel },
  "/v1/jobs/{jobId}/result": { get: result },
};
