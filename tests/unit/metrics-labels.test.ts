import { describe, expect, it } from "vitest";
import { ERROR_TYPES } from "../../shared/errors.ts";
import { OPERATION_NAMES } from "../../shared/operations/operations.ts";
import { METRICS, type MetricKey } from "../../shared/telemetry/metric-definitions.ts";
import { allowedValues, boundedLabels, problemReason } from "../../shared/telemetry/label-values.ts";
import type { Labels } from "../../shared/telemetry/metrics.ts";

const cases: { name: string; metric: MetricKey; labels: Labels; expected: Record<string, string> }[] = [
  {
    name: "a known outcome without a reason",
    metric: "submissions",
    labels: { outcome: "accepted", reason: "none" },
    expected: { outcome: "accepted", reason: "none" },
  },
  {
    name: "a rejection by its problem type",
    metric: "submissions",
    labels: { outcome: "rejected", reason: "queue-full" },
    expected: { outcome: "rejected", reason: "queue-full" },
  },
  {
    name: "an unknown reason (a raw problem URI) becomes other",
    metric: "submissions",
    labels: { outcome: "rejected", reason: "/problems/queue-full" },
    expected: { outcome: "rejected", reason: "other" },
  },
  {
    name: "an attempt's outcome is not a submission's",
    metric: "submissions",
    labels: { outcome: "retry-scheduled", reason: "none" },
    expected: { outcome: "other", reason: "none" },
  },
  {
    name: "attempts take the attempt outcomes",
    metric: "attempts",
    labels: { operation: "rotate", outcome: "retry-scheduled" },
    expected: { operation: "rotate", outcome: "retry-scheduled" },
  },
  {
    name: "a submission outcome on attempts becomes other",
    metric: "attempts",
    labels: { operation: "rotate", outcome: "accepted" },
    expected: { operation: "rotate", outcome: "other" },
  },
  {
    name: "an operation that is not one of ours (a job id, a prompt) becomes other",
    metric: "jobsFinished",
    labels: { operation: "4f9c2a0e1b7d4c3a9e8f7a6b5c4d3e2f", status: "completed" },
    expected: { operation: "other", status: "completed" },
  },
  {
    name: "a missing label becomes other",
    metric: "jobEndToEnd",
    labels: { operation: "generate-image-pixflux" },
    expected: { operation: "generate-image-pixflux", cached: "other" },
  },
  {
    name: "labels the metric does not define are dropped",
    metric: "pixellabErrors",
    labels: { type: "quota", userId: "user-1", jobId: "j1" },
    expected: { type: "quota" },
  },
  {
    name: "an error type outside the seven becomes other",
    metric: "pixellabErrors",
    labels: { type: "Quota" },
    expected: { type: "other" },
  },
  {
    name: "cache layers and results",
    metric: "cacheLookups",
    labels: { layer: "memcached", result: "hit" },
    expected: { layer: "other", result: "hit" },
  },
  {
    name: "threshold levels",
    metric: "thresholdCrossings",
    labels: { level: "critical" },
    expected: { level: "critical" },
  },
  {
    name: "a gauge's status",
    metric: "jobs",
    labels: { status: "retry-wait" },
    expected: { status: "retry-wait" },
  },
  {
    name: "a metric without labels keeps none",
    metric: "deadLetters",
    labels: { status: "x" },
    expected: {},
  },
];

describe("label values are bounded", () => {
  it.each(cases)("$name", ({ metric, labels, expected }) => {
    expect(boundedLabels(metric, labels)).toEqual(expected);
  });

  it("every label of every metric has a bounded list of values", () => {
    for (const [key, definition] of Object.entries(METRICS) as [MetricKey, (typeof METRICS)[MetricKey]][]) {
      for (const label of definition.labels) {
        expect(allowedValues(key, label).length, `${definition.name}{${label}}`).toBeGreaterThan(0);
      }
    }
  });

  it("operations and error types come from their own modules", () => {
    expect(allowedValues("pixellabUsage", "operation")).toEqual(OPERATION_NAMES);
    expect(allowedValues("pixellabErrors", "type")).toEqual(ERROR_TYPES);
    expect(allowedValues("submissions", "reason")).toContain("user-limit-reached");
  });

  it.each([
    { name: "a problem URI", type: "/problems/user-limit-reached", reason: "user-limit-reached" },
    { name: "anything else as it is (then bounded)", type: "about:blank", reason: "about:blank" },
  ])("problemReason: $name", ({ type, reason }) => {
    expect(problemReason(type)).toBe(reason);
  });
});
