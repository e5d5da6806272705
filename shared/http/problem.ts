import type { FieldProblem } from "../errors.ts";

/**
 * An RFC 9457 problem document (`application/problem+json`). `type` is a stable, machine-readable
 * identifier a client can branch on; `errors` lists one entry per invalid field.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  /** Seconds a client should wait before trying again (also sent as `Retry-After`). */
  retryAfterSeconds?: number;
  [extension: string]: unknown;
}

const TITLES = {
  "bad-request": [400, "Request body is not valid JSON"],
  unauthorized: [401, "Missing or invalid credentials"],
  "app-check-failed": [401, "Missing or invalid App Check token"],
  forbidden: [403, "Not allowed"],
  "not-found": [404, "Not found"],
  "not-acceptable": [406, "Not acceptable"],
  conflict: [409, "Conflict with the resource's current state"],
  "payload-too-large": [413, "Request body too large"],
  "unsupported-media-type": [415, "Unsupported media type"],
  "validation-error": [422, "Request failed validation"],
  "user-limit-reached": [429, "Too many active jobs"],
  "rate-limited": [429, "Too many submissions"],
  "spend-limit-reached": [429, "Daily spend budget reached"],
  "queue-full": [503, "The queue is full"],
  internal: [500, "Internal error"],
  unavailable: [503, "Service temporarily unavailable"],
  "webhook-not-delivered": [502, "The webhook receiver did not accept the delivery"],
  "method-not-allowed": [405, "Method not allowed"],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemType = keyof typeof TITLES;

/** Builds a problem of a known type; `extra` adds extension members (e.g. `activeJobs`). */
export function problem(type: ProblemType, detail: string, extra: Partial<Problem> = {}): Problem {
  const [status, title] = TITLES[type];
  return { type: `/problems/${type}`, title, status, detail, ...extra };
}
