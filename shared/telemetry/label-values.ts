import { ERROR_TYPES } from "../errors.ts";
import type { ProblemType } from "../http/problem.ts";
import { OPERATION_NAMES } from "../operations/operations.ts";
import { LABEL_VALUES, METRICS, type MetricKey } from "./metric-definitions.ts";
import type { Labels } from "./metrics.ts";

/** What a label value outside its bounded list becomes: cardinality stays fixed whatever arrives. */
export const OTHER = "other";

/** The `reason` of a submission that was not rejected. */
export const NO_REASON = "none";

/**
 * Every problem type of `shared/http/problem.ts`. The `satisfies` makes a type added there (or
 * removed) a compile error here, so a new rejection reason cannot silently become "other".
 */
const PROBLEM_TYPES = Object.keys({
  "bad-request": true,
  unauthorized: true,
  "app-check-failed": true,
  forbidden: true,
  "not-found": true,
  "not-acceptable": true,
  conflict: true,
  "payload-too-large": true,
  "unsupported-media-type": true,
  "validation-error": true,
  "user-limit-reached": true,
  "rate-limited": true,
  "spend-limit-reached": true,
  "queue-full": true,
  internal: true,
  unavailable: true,
  "webhook-not-delivered": true,
  "method-not-allowed": true,
} satisfies Record<ProblemType, true>);

/** The values each label name may take, whichever metric carries it. */
const BY_LABEL: Readonly<Record<string, readonly string[]>> = {
  ...LABEL_VALUES,
  reason: [NO_REASON, ...PROBLEM_TYPES],
  operation: OPERATION_NAMES,
  type: ERROR_TYPES,
};

/** Labels whose values depend on the metric: an attempt's outcome is not a submission's. */
const BY_METRIC: Partial<Record<MetricKey, Readonly<Record<string, readonly string[]>>>> = {
  attempts: { outcome: LABEL_VALUES.attemptOutcome },
  webhookDeliveries: { outcome: LABEL_VALUES.webhookOutcome },
};

/** The bounded values of `label` on `metric` (empty for a label the table does not know). */
export function allowedValues(metric: MetricKey, label: string): readonly string[] {
  return BY_METRIC[metric]?.[label] ?? BY_LABEL[label] ?? [];
}

const ALLOWED = new Map(
  (Object.keys(METRICS) as MetricKey[]).map((metric) => [
    metric,
    METRICS[metric].labels.map((label) => [label, new Set(allowedValues(metric, label))] as const),
  ]),
);

/**
 * The labels to record for `metric`: exactly its defined label names, each value kept only when it is
 * in that label's bounded list and mapped to {@link OTHER} otherwise (a missing value included).
 * Labels the metric does not define are dropped, never passed through.
 */
export function boundedLabels(metric: MetricKey, labels: Labels): Record<string, string> {
  const bounded: Record<string, string> = {};
  for (const [label, allowed] of ALLOWED.get(metric) ?? []) {
    const value = labels[label];
    bounded[label] = value !== undefined && allowed.has(value) ? value : OTHER;
  }
  return bounded;
}

/** The `reason` label of a problem: its type without the `/problems/` prefix. */
export function problemReason(problemType: string): string {
  return problemType.startsWith("/problems/") ? problemType.slice("/problems/".length) : problemType;
}
