/** Pieces the OpenAPI document's operations share (see `openapi.ts`). */
import { PARAMETERS, ref, type JsonSchema } from "./openapi-schemas.ts";

export { ref };
export type Operation = Record<string, unknown>;
export const json = (schema: JsonSchema) => ({ "application/json": { schema } });
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});
const retryAfter = {
  "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" } },
};
export const limited = (description: string) => ({ ...problem(description), headers: retryAfter });
/** A per-user limit's 429, whose body names the limit (`LimitProblem`). */
export const userLimited = (description: string) => ({
  description,
  headers: retryAfter,
  content: { "application/problem+json": { schema: ref("LimitProblem") } },
});
export const query = (name: keyof typeof PARAMETERS, description: string) => ({
  name,
  in: "query",
  required: false,
  description,
  schema: PARAMETERS[name],
});
export const JOB_ID = { name: "jobId", in: "path", required: true, schema: PARAMETERS.jobId };
export const LOCATION = { Location: { description: "The job's URL.", schema: { type: "string" } } };

/** Answers every authenticated route may give besides its own. */
export const AUTHENTICATED = {
  "401": problem(
    "No, an invalid, an expired or a revoked ID token (`WWW-Authenticate: Bearer`); on the job routes " +
      "of a deployment requiring App Check, also a missing or invalid App Check token (`app-check-failed`).",
  ),
  "503": limited("A dependency (Firestore, Cloud Tasks, Auth) is unavailable."),
};
export const ADMIN = { ...AUTHENTICATED, "403": problem("The token has no `admin` claim.") };
export const OPERATOR = [{ firebaseIdToken: [] }];
/** The job routes: an ID token, plus an App Check token where the deployment requires one. */
export const JOB_SECURITY = [{ firebaseIdToken: [], appCheck: [] }, { firebaseIdToken: [] }];
