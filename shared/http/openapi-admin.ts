import {
  ADMIN,
  JOB_ID,
  LOCATION,
  OPERATOR,
  json,
  limited,
  problem,
  query,
  ref,
  type Operation,
} from "./openapi-parts.ts";

const admin = (operationId: string, summary: string, extra: Operation): Operation => ({
  operationId,
  summary,
  security: OPERATOR,
  ...extra,
  responses: { ...(extra.responses as Record<string, unknown>), ...ADMIN },
});

/** The operator routes (`admin` claim). */
export const ADMIN_PATHS = {
  "/v1/admin/queue": {
    get: admin("readQueueGauges", "Queue gauges", {
      responses: { "200": { description: "Gauges.", content: json(ref("QueueGauges")) } },
    }),
  },
  "/v1/admin/dead-letters": {
    get: admin("listDeadLetters", "Dead-letter entries, newest first", {
      parameters: [
        query("errorType", "Only this error type."),
        query("limit", "Page size."),
        query("cursor", ""),
      ],
      responses: {
        "200": { description: "A page.", content: json(ref("DeadLetterPage")) },
        "422": problem("Invalid query."),
      },
    }),
  },
  "/v1/admin/dead-letters/{jobId}": {
    get: admin("readDeadLetter", "One entry, with the job's input", {
      parameters: [JOB_ID],
      responses: {
        "200": { description: "The entry.", content: json(ref("DeadLetter")) },
        "404": problem("No entry."),
      },
    }),
    delete: admin("discardDeadLetter", "Discard an entry (the job stays failed)", {
      parameters: [JOB_ID],
      responses: { "204": { description: "Discarded." }, "404": problem("No entry.") },
    }),
  },
  "/v1/admin/dead-letters/{jobId}/retry": {
    post: admin("replayDeadLetter", "Queue the failed job again", {
      parameters: [JOB_ID],
      responses: {
        "202": { description: "Queued again.", headers: LOCATION, content: json(ref("JobView")) },
        "404": problem("No entry."),
        "409": problem("The job cannot be replayed now."),
        "429": limited("The job's owner has as many active jobs as allowed."),
      },
    }),
  },
  ...Object.fromEntries(
    (["retry", "delete"] as const).map((action) => [
      `/v1/admin/dead-letters:${action}`,
      {
        post: admin(`${action}DeadLetters`, `${action === "retry" ? "Replay" : "Discard"} entries in bulk`, {
          requestBody: { required: true, content: json(ref("BulkFilter")) },
          responses: {
            "200": { description: "What was done.", content: json(ref("BulkResult")) },
            "415": problem("The body is not `application/json`."),
            "422": problem("Invalid filter."),
          },
        }),
      },
    ]),
  ),
};
