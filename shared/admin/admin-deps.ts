import type { ApiDeps } from "../submission/submit-deps.ts";

/** What the dead-letter admin use-cases need: part of the API's deps (they run in the `api` function). */
export type AdminDeps = Pick<ApiDeps, "config" | "firestore" | "tasks" | "events" | "clock" | "logger">;

/** Job ids as the API issues them; anything else cannot name a document and is answered 404. */
export { JOB_ID } from "../store/job-document.ts";
