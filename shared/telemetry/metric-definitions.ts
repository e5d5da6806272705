/**
 * Every metric the queue records, defined once: both exporters (prom-client for `GET /metrics`,
 * the OpenTelemetry SDK for Cloud Monitoring) build their instruments from this table, and the
 * dashboard, the alert policies and the Prometheus rules are checked against it by a test.
 *
 * Names follow Prometheus conventions: base units in the name (`_seconds`, `_usd`), `_total` only on
 * counters. Labels have bounded values (the lists below); never a job id, user id or prompt.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricDefinition {
  name: string;
  type: MetricType;
  /** UCUM unit for OpenTelemetry ("s", "1", "USD", "{job}"). */
  unit: string;
  help: string;
  labels: readonly string[];
  /** Histogram bucket bounds, in the metric's unit. */
  buckets?: readonly number[];
  /** Computed from shared state (Firestore) when scraped or swept, never summed from instances. */
  queueWide?: true;
}

/** Seconds: a cache hit (ms) up to a long background job (10 min) and retries (an hour). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

export const METRICS = {
  jobs: {
    name: "genqueue_jobs",
    type: "gauge",
    unit: "{job}",
    help: "Jobs by status, queue-wide (queued excludes jobs waiting for a scheduled retry: retry-wait).",
    labels: ["status"],
    queueWide: true,
  },
  oldestQueuedAge: {
    name: "genqueue_oldest_queued_age_seconds",
    type: "gauge",
    unit: "s",
    help: "Age of the oldest job waiting for its first attempt, queue-wide; 0 when none waits.",
    labels: [],
    queueWide: true,
  },
  deadLetters: {
    name: "genqueue_dead_letters",
    type: "gauge",
    unit: "{job}",
    help: "Entries in the dead-letter queue, queue-wide.",
    labels: [],
    queueWide: true,
  },
  activeUsers: {
    name: "genqueue_active_users",
    type: "gauge",
    unit: "{user}",
    help: "Users with at least one queued or processing job, queue-wide.",
    labels: [],
    queueWide: true,
  },
  submissions: {
    name: "genqueue_submissions_total",
    type: "counter",
    unit: "{request}",
    help: "Submissions by outcome; reason is the problem type of a rejection, none otherwise.",
    labels: ["outcome", "reason"],
  },
  jobsFinished: {
    name: "genqueue_jobs_finished_total",
    type: "counter",
    unit: "{job}",
    help: "Jobs that reached a terminal status.",
    labels: ["operation", "status"],
  },
  jobWait: {
    name: "genqueue_job_wait_seconds",
    type: "histogram",
    unit: "s",
    help: "Time from submission to the first attempt's start.",
    labels: ["operation"],
    buckets: DURATION_BUCKETS,
  },
  jobProcessing: {
    name: "genqueue_job_processing_seconds",
    type: "histogram",
    unit: "s",
    help: "Time from the first attempt's start to the job's end (retries included).",
    labels: ["operation"],
    buckets: DURATION_BUCKETS,
  },
  jobEndToEnd: {
    name: "genqueue_job_end_to_end_seconds",
    type: "histogram",
    unit: "s",
    help: "Time from submission to the job's end; cached jobs end at submission.",
    labels: ["operation", "cached"],
    buckets: DURATION_BUCKETS,
  },
  attempts: {
    name: "genqueue_attempts_total",
    type: "counter",
    unit: "{attempt}",
    help: "Attempts by how they ended.",
    labels: ["operation", "outcome"],
  },
  pixellabErrors: {
    name: "genqueue_pixellab_errors_total",
    type: "counter",
    unit: "{error}",
    help: "Failed attempts by error type.",
    labels: ["type"],
  },
  cacheLookups: {
    name: "genqueue_cache_lookups_total",
    type: "counter",
    unit: "{lookup}",
    help: "Result cache lookups by layer and result.",
    labels: ["layer", "result"],
  },
  pixellabUsage: {
    name: "genqueue_pixellab_usage_usd_total",
    type: "counter",
    unit: "USD",
    help: "PixelLab spend as PixelLab reports it per generation.",
    labels: ["operation"],
  },
  thresholdCrossings: {
    name: "genqueue_queue_threshold_crossings_total",
    type: "counter",
    unit: "{crossing}",
    help: "Times the queue depth crossed a threshold upwards (warning, critical).",
    labels: ["level"],
  },
  webhookDeliveries: {
    name: "genqueue_webhook_deliveries_total",
    type: "counter",
    unit: "{delivery}",
    help: "Webhook delivery attempts by event and how they ended (retry: the receiver did not take it).",
    labels: ["event", "outcome"],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** The bounded values each label may take. */
export const LABEL_VALUES = {
  status: ["queued", "retry-wait", "processing", "completed", "failed", "cancelled"],
  outcome: ["accepted", "cached", "deduplicated", "rejected", "replayed"],
  attemptOutcome: [
    "completed",
    "retry-scheduled",
    "failed",
    "cancelled",
    "skipped",
    "lease-lost",
    "deferred",
  ],
  layer: ["redis", "firestore"],
  result: ["hit", "miss", "error"],
  level: ["warning", "critical"],
  event: ["job.completed", "job.failed", "job.cancelled"],
  webhookOutcome: ["delivered", "retry", "failed", "refused", "skipped"],
  cached: ["true", "false"],
} as const;
