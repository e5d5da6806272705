import type { Lane } from "./lanes.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { EnvReader, SECRET_VARIABLES, type Env } from "./config-parsers.ts";

export { ConfigError } from "./config-parsers.ts";

const DAY_MS = 86_400_000;
/** A submission-rate limit is one slot document per submission in a minute, so it stays modest. */
const MAX_SUBMITS_PER_MINUTE = 1_000;
/** Largest daily spend budget per user, in USD (a typo guard, not a business limit). */
const MAX_DAILY_SPEND_USD = 100_000;
/** Largest hold per job, in USD. */
const MAX_SPEND_HOLD_USD = 1_000;

/*
 * Telemetry is set by the environment too, but read by the preload, which runs before this module
 * and before any config exists (`telemetry/tracing-settings.ts`, same `ConfigError` wording):
 * - `OTEL_SDK_DISABLED`: `true` starts no SDK (tests; `npm start` without a receiver). Default `false`.
 * - `OTEL_EXPORTER_OTLP_ENDPOINT`: spans as OTLP/HTTP JSON to `<url>/v1/traces` (local receiver).
 * - `K_SERVICE` (set by Cloud Run): without an endpoint, traces and metrics go as OTLP protobuf to
 *   Google's telemetry endpoint with the service account's credentials.
 * - `OTEL_SERVICE_NAME`, else `FUNCTION_TARGET` (set by Cloud Functions), else `K_SERVICE`:
 *   `service.name`.
 * - `OTEL_METRIC_EXPORT_INTERVAL`: least time between an instance's metric exports, in ms, 5_000 to
 *   3_600_000 (Cloud Monitoring takes one point per series per 5 s). @defaultValue 10_000
 */

/** Everything the functions read from their environment, validated once at cold start. */
export interface Config {
  projectId: string;
  /** Cloud Tasks location and queue id that carry the interactive lane's generation tasks. */
  location: string;
  queueId: string;
  /** The batch lane's queue id (`lanes.ts`). @defaultValue "generation-batch" */
  batchQueueId: string;
  /** Where Cloud Tasks delivers tasks (the processJob function's URL). */
  taskHandlerUrl: string | undefined;
  /** `host:port` of a Cloud Tasks emulator; unset in production. */
  tasksEmulatorHost: string | undefined;
  /**
   * Tasks carry an OIDC token for this service account and the handler verifies it. The handler
   * refuses to start without it unless {@link Config.allowUnverifiedTasks} is set.
   */
  tasksServiceAccountEmail: string | undefined;
  /**
   * Local-only switch (`UNVERIFIED_TASKS_LOCAL_ONLY=true`): the handler serves deliveries without
   * checking their OIDC token. Accepted only together with `TASKS_EMULATOR_HOST`, so a deployment
   * (which never talks to the emulator) cannot run open. `npm start` does not need it: the local
   * Cloud Tasks emulator signs tokens. @defaultValue false
   */
  allowUnverifiedTasks: boolean;
  /** How the handler verifies those tokens (Google's by default; the Cloud Tasks emulator's locally). */
  tasksOidc: {
    /**
     * Expected `aud`. @defaultValue TASK_HANDLER_URL. Cloud Tasks tokens are minted for
     * TASK_HANDLER_URL (`shared/ports/task-scheduler.ts`), so another value is refused at start.
     */
    audience: string | undefined;
    /** Expected `iss`. @defaultValue "https://accounts.google.com" */
    issuer: string;
    /** Where the signing keys are. @defaultValue "https://www.googleapis.com/oauth2/v3/certs" */
    jwksUrl: string;
  };
  /** Pub/Sub topic for job lifecycle events. @defaultValue "generation-events" */
  eventsTopic: string;
  /** Optional L1 cache in front of Firestore. */
  redisUrl: string | undefined;
  pixellab: {
    /** @defaultValue "https://api.pixellab.ai/v1" */
    baseUrl: string;
    /** Secret: never logged. Required by the task handler, not by the API. */
    apiKey: string | undefined;
    /** First pause between polls of a PixelLab background job, in ms. @defaultValue 2_000 */
    pollIntervalMs: number;
  };
  limits: {
    /** Active (queued + processing) jobs at which submissions get 503. @defaultValue 500 */
    queueCapacity: number;
    /** Active jobs at which a warning and a `queue.threshold` event go out. @defaultValue 400 */
    queueWarningThreshold: number;
    /** Active jobs one user may have. @defaultValue 5 */
    userActiveJobs: number;
    /** Identical submissions by one user within this window return the first job, in ms. @defaultValue 10_000 */
    dedupWindowMs: number;
    /** Largest accepted request body, in bytes. @defaultValue 2 MiB */
    maxRequestBytes: number;
    /** Long-polls (`GET /v1/jobs/{id}?waitSeconds=`) one user may hold open at once on one instance; more are answered at once. @defaultValue 4 */
    userLongPolls: number;
    /**
     * Submissions (`POST /v1/jobs`, cache hits and duplicates included, idempotent replays not) one
     * signed-in user may make per calendar minute (UTC); 0 turns the limit off. @defaultValue 60
     */
    userSubmitsPerMinute: number;
    /**
     * The stricter limits of anonymous users (the web client signs people in anonymously, and anyone
     * can mint such users): active jobs, @defaultValue 2, and submissions per minute, @defaultValue 10
     * (0 turns it off).
     */
    anonymous: { activeJobs: number; submitsPerMinute: number; dailySpendMicros: number };
    /**
     * What one signed-in user's admitted jobs may cost PixelLab per calendar day (UTC), in
     * micro-dollars, from the usage PixelLab reports (`spend-budget.ts`); 0 turns the budget off.
     * Anonymous users have their own (`ANON_DAILY_SPEND_USD`, by default the same). @defaultValue 0
     */
    dailySpendMicros: number;
    /**
     * What admitting a job holds of its owner's budget until PixelLab reports its cost, in
     * micro-dollars: the most one job is expected to cost. @defaultValue 50_000 (0.05 USD)
     */
    spendHoldMicros: number;
  };
  /** Longest a submission waits for Cloud Tasks' CreateTask before answering 503, in ms. @defaultValue 3_000 */
  enqueueTimeoutMs: number;
  /**
   * Longest PixelLab `Retry-After` the queue honours, in ms. A retryable error asking for more fails
   * the job into the dead-letter queue (an operator replays it later) instead of holding the user's
   * slot that long. @defaultValue RETRY_MAX_DELAY_MS (60_000)
   */
  retryAfterMaxMs: number;
  /**
   * How often one instance writes its cache-hit counts, in ms. A popular entry then gets at most one
   * write per instance per interval: with the default and up to 60 instances, at most one write per
   * second in total on one entry. @defaultValue 60_000
   */
  cacheHitFlushMs: number;
  /** Jobs Cloud Tasks runs at once (the queue's `max_concurrent_dispatches`). @defaultValue 10 */
  queueConcurrency: number;
  /**
   * Batch-lane jobs Cloud Tasks runs at once (the batch queue's `max_concurrent_dispatches`), out of
   * `queueConcurrency`: a batch attempt starts only while interactive jobs leave this many free
   * (`lanes.ts`). @defaultValue half of TASKS_MAX_CONCURRENT, at least 1
   */
  batchConcurrency: number;
  /** Typical time of one generation, for wait estimates and Retry-After, in ms. @defaultValue 30_000 */
  expectedJobMs: number;
  /** How long a cached result is served, in ms. @defaultValue 30 days */
  cacheTtlMs: number;
  /** How long a dead-letter entry is kept, in ms. @defaultValue 7 days */
  deadLetterRetentionMs: number;
  jobTimeout: {
    /** One attempt's limit when the job sets none, in ms. @defaultValue 600_000 (10 min) */
    defaultMs: number;
    /** Range a job may choose, in ms. @defaultValue 10_000 to 1_800_000 (10 s to 30 min, Cloud Tasks' maximum) */
    minMs: number;
    maxMs: number;
  };
  retry: RetryPolicy;
  /** A queued job untouched this long with no task behind it is re-enqueued by the sweeper, in ms. @defaultValue 120_000 */
  sweepStaleMs: number;
  logLevel: "debug" | "info" | "warn" | "error";
  /**
   * Secret bearer token a Prometheus scraper may send to `GET /metrics` instead of an admin's
   * Firebase ID token (which expires within the hour). Unset: only admins may scrape. Never logged.
   */
  metricsToken: string | undefined;
  /**
   * `required`: the job routes (`/v1/jobs...`) also need a Firebase App Check token
   * (`X-Firebase-AppCheck`), verified with firebase-admin, so only the registered apps reach them.
   * Operator, health, metrics and contract routes are exempt. @defaultValue "off"
   */
  appCheck: "off" | "required";
  /** Completion webhooks (`webhooks/`). */
  webhooks: {
    /** The webhook queue's id (its own queue, so receivers never delay jobs). @defaultValue "webhooks" */
    queueId: string;
    /** Deliveries in flight at once (the queue's `max_concurrent_dispatches`). @defaultValue 10 */
    concurrency: number;
    /** Longest one delivery waits for the receiver's answer, in ms. @defaultValue 10_000 */
    timeoutMs: number;
    /**
     * How long a rotated-out signing secret still signs deliveries beside the new one, in ms, so a
     * receiver can switch without losing any. @defaultValue 86_400_000 (24 h)
     */
    secretGraceMs: number;
    /**
     * Local-only switch (`WEBHOOK_LOOPBACK_LOCAL_ONLY=true`): webhook URLs may be `http:` and point
     * at loopback addresses (a receiver on this machine). Accepted only with `TASKS_EMULATOR_HOST`,
     * so a deployment always refuses them. Private, link-local and metadata addresses stay refused.
     * @defaultValue false
     */
    allowLoopback: boolean;
  };
}

const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const QUEUE_ID = /^[A-Za-z0-9-]{1,100}$/;
const LOCATION = /^[a-z]+-[a-z]+[0-9]+$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const TOPIC = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/**
 * Reads and validates the whole configuration. Throws one {@link ConfigError} naming every bad
 * variable, its value (secrets shown as `<redacted>`) and what is allowed. Nothing else in the code
 * reads `process.env`.
 */
export function loadConfig(env: Env): Config {
  const r = new EnvReader(env);
  const capacity = r.int("QUEUE_CAPACITY", 500, 1, 100_000);
  const warning = r.int("QUEUE_WARNING_THRESHOLD", Math.min(400, capacity), 1, 100_000);
  const baseDelayMs = r.int("RETRY_BASE_DELAY_MS", DEFAULT_RETRY_POLICY.baseDelayMs, 100, 600_000);
  const maxDelayMs = r.int("RETRY_MAX_DELAY_MS", DEFAULT_RETRY_POLICY.maxDelayMs, 100, 3_600_000);
  const concurrency = r.int("TASKS_MAX_CONCURRENT", 10, 1, 5_000);
  const dailySpend = r.usd("USER_DAILY_SPEND_USD", 0, MAX_DAILY_SPEND_USD);
  const spendHold = r.usd("SPEND_HOLD_USD", 50_000, MAX_SPEND_HOLD_USD);
  const config: Config = {
    projectId: r.required("GOOGLE_CLOUD_PROJECT", PROJECT, "must be a GCP project id (6-30 of a-z, 0-9, -)"),
    location: r.string("GCP_LOCATION", "us-central1", LOCATION, "must be a region such as us-central1"),
    queueId: r.string("TASKS_QUEUE", "generation", QUEUE_ID, "must be 1-100 of A-Z, a-z, 0-9, -"),
    batchQueueId: r.string(
      "TASKS_BATCH_QUEUE",
      "generation-batch",
      QUEUE_ID,
      "must be 1-100 of A-Z, a-z, 0-9, -",
    ),
    taskHandlerUrl: r.url("TASK_HANDLER_URL", undefined, ["http:", "https:"]),
    tasksEmulatorHost: r.string("TASKS_EMULATOR_HOST", undefined, HOST_PORT, "must be host:port"),
    tasksServiceAccountEmail: r.string("TASKS_SERVICE_ACCOUNT_EMAIL", undefined, EMAIL, "must be an email"),
    allowUnverifiedTasks:
      r.oneOf("UNVERIFIED_TASKS_LOCAL_ONLY", "false", ["true", "false"] as const) === "true",
    tasksOidc: {
      audience: r.url("TASKS_OIDC_AUDIENCE", undefined, ["http:", "https:"]),
      issuer: r.url("TASKS_OIDC_ISSUER", "https://accounts.google.com", ["http:", "https:"]) as string,
      jwksUrl: r.url("TASKS_OIDC_JWKS_URL", "https://www.googleapis.com/oauth2/v3/certs", [
        "http:",
        "https:",
      ]) as string,
    },
    eventsTopic: r.string("EVENTS_TOPIC", "generation-events", TOPIC, "must be a Pub/Sub topic id"),
    redisUrl: r.url("REDIS_URL", undefined, ["redis:", "rediss:"]),
    pixellab: {
      baseUrl: r.url("PIXELLAB_BASE_URL", "https://api.pixellab.ai/v1", ["http:", "https:"]) as string,
      // PIXELLAB_SECRET is the official SDKs' name for the same key.
      apiKey:
        r.string("PIXELLAB_API_KEY", undefined, /^\S{8,512}$/, "must be 8-512 non-space characters") ??
        r.string("PIXELLAB_SECRET", undefined, /^\S{8,512}$/, "must be 8-512 non-space characters"),
      pollIntervalMs: r.int("PIXELLAB_POLL_INTERVAL_MS", 2_000, 10, 60_000),
    },
    limits: {
      queueCapacity: capacity,
      queueWarningThreshold: warning,
      userActiveJobs: r.int("USER_ACTIVE_JOB_LIMIT", 5, 1, 1_000),
      dedupWindowMs: r.int("DEDUP_WINDOW_MS", 10_000, 0, 3_600_000),
      maxRequestBytes: r.int("MAX_REQUEST_BYTES", 2 * 1024 * 1024, 1_024, 10 * 1024 * 1024),
      userLongPolls: r.int("USER_LONG_POLL_LIMIT", 4, 1, 100),
      userSubmitsPerMinute: r.int("USER_SUBMIT_RATE_PER_MIN", 60, 0, MAX_SUBMITS_PER_MINUTE),
      anonymous: {
        activeJobs: r.int("ANON_USER_ACTIVE_JOB_LIMIT", 2, 1, 1_000),
        submitsPerMinute: r.int("ANON_SUBMIT_RATE_PER_MIN", 10, 0, MAX_SUBMITS_PER_MINUTE),
        dailySpendMicros: r.usd("ANON_DAILY_SPEND_USD", dailySpend, MAX_DAILY_SPEND_USD),
      },
      dailySpendMicros: dailySpend,
      spendHoldMicros: spendHold,
    },
    enqueueTimeoutMs: r.int("ENQUEUE_TIMEOUT_MS", 3_000, 100, 30_000),
    retryAfterMaxMs: r.int("RETRY_AFTER_MAX_MS", maxDelayMs, 0, 2_592_000_000),
    cacheHitFlushMs: r.int("CACHE_HIT_FLUSH_MS", 60_000, 100, 3_600_000),
    queueConcurrency: concurrency,
    batchConcurrency: r.int("TASKS_BATCH_MAX_CONCURRENT", Math.max(1, Math.floor(concurrency / 2)), 1, 5_000),
    expectedJobMs: r.int("EXPECTED_JOB_MS", 30_000, 100, 1_800_000),
    cacheTtlMs: r.int("CACHE_TTL_DAYS", 30, 1, 3_650) * DAY_MS,
    deadLetterRetentionMs: r.int("DEAD_LETTER_RETENTION_DAYS", 7, 1, 365) * DAY_MS,
    jobTimeout: {
      defaultMs: r.int("JOB_TIMEOUT_MS", 600_000, 10_000, 1_800_000),
      minMs: 10_000,
      maxMs: 1_800_000,
    },
    retry: {
      maxAttempts: r.int("MAX_ATTEMPTS", DEFAULT_RETRY_POLICY.maxAttempts, 1, 20),
      baseDelayMs,
      maxDelayMs,
      jitterRatio: DEFAULT_RETRY_POLICY.jitterRatio,
    },
    sweepStaleMs: r.int("SWEEP_STALE_MS", 120_000, 1_000, 3_600_000),
    logLevel: r.oneOf("LOG_LEVEL", "info", ["debug", "info", "warn", "error"] as const),
    metricsToken: r.string("METRICS_TOKEN", undefined, /^\S{32,512}$/, "must be 32-512 non-space characters"),
    appCheck: r.oneOf("APP_CHECK", "off", ["off", "required"] as const),
    webhooks: {
      queueId: r.string("WEBHOOK_QUEUE", "webhooks", QUEUE_ID, "must be 1-100 of A-Z, a-z, 0-9, -"),
      concurrency: r.int("WEBHOOK_MAX_CONCURRENT", 10, 1, 1_000),
      timeoutMs: r.int("WEBHOOK_TIMEOUT_MS", 10_000, 1_000, 30_000),
      secretGraceMs: r.int("WEBHOOK_SECRET_GRACE_HOURS", 24, 0, 720) * 3_600_000,
      allowLoopback: r.oneOf("WEBHOOK_LOOPBACK_LOCAL_ONLY", "false", ["true", "false"] as const) === "true",
    },
  };
  // Values that are each fine but do not fit together.
  if (warning > capacity) {
    r.problem("QUEUE_WARNING_THRESHOLD", String(warning), `must not exceed QUEUE_CAPACITY (${capacity})`);
  }
  if (config.batchConcurrency > concurrency) {
    r.problem(
      "TASKS_BATCH_MAX_CONCURRENT",
      String(config.batchConcurrency),
      `must not exceed TASKS_MAX_CONCURRENT (${concurrency}): the batch lane uses what interactive jobs leave`,
    );
  }
  if (config.batchQueueId === config.queueId) {
    r.problem(
      "TASKS_BATCH_QUEUE",
      config.batchQueueId,
      "must differ from TASKS_QUEUE: each lane is its own queue",
    );
  }
  if ([config.queueId, config.batchQueueId].includes(config.webhooks.queueId)) {
    r.problem(
      "WEBHOOK_QUEUE",
      config.webhooks.queueId,
      "must differ from TASKS_QUEUE and TASKS_BATCH_QUEUE: webhooks have a queue of their own",
    );
  }
  if (config.webhooks.allowLoopback && config.tasksEmulatorHost === undefined) {
    r.problem(
      "WEBHOOK_LOOPBACK_LOCAL_ONLY",
      "true",
      "only with TASKS_EMULATOR_HOST: a deployment refuses webhook URLs on loopback and plain http",
    );
  }
  if (spendHold === 0) {
    r.problem("SPEND_HOLD_USD", "0", "must be more than 0: a hold of nothing lets any number of jobs in");
  }
  for (const [name, budget] of [
    ["USER_DAILY_SPEND_USD", dailySpend],
    ["ANON_DAILY_SPEND_USD", config.limits.anonymous.dailySpendMicros],
  ] as const) {
    if (budget > 0 && budget < spendHold) {
      r.problem(
        name,
        String(budget / 1_000_000),
        `must be 0 (off) or at least SPEND_HOLD_USD (${spendHold / 1_000_000})`,
      );
    }
  }
  if (maxDelayMs < baseDelayMs) {
    r.problem(
      "RETRY_MAX_DELAY_MS",
      String(maxDelayMs),
      `must be at least RETRY_BASE_DELAY_MS (${baseDelayMs})`,
    );
  }
  if (config.allowUnverifiedTasks && config.tasksEmulatorHost === undefined) {
    r.problem(
      "UNVERIFIED_TASKS_LOCAL_ONLY",
      "true",
      "only with TASKS_EMULATOR_HOST: a deployment must verify Cloud Tasks' OIDC tokens",
    );
  }
  const { audience } = config.tasksOidc;
  if (audience !== undefined && config.taskHandlerUrl !== undefined && audience !== config.taskHandlerUrl) {
    r.problem(
      "TASKS_OIDC_AUDIENCE",
      audience,
      `must equal TASK_HANDLER_URL (${config.taskHandlerUrl}): Cloud Tasks mints tokens for that URL`,
    );
  }
  r.done();
  return config;
}

/** The configuration as it may be logged: secrets replaced. */
export function redactedConfig(config: Config): Config {
  return {
    ...config,
    pixellab: { ...config.pixellab, apiKey: config.pixellab.apiKey && "<redacted>" },
    metricsToken: config.metricsToken && "<redacted>",
  };
}

/** The full Cloud Tasks queue name, `projects/P/locations/L/queues/Q`. */
export function queuePath(config: Pick<Config, "projectId" | "location" | "queueId">): string {
  return `projects/${config.projectId}/locations/${config.location}/queues/${config.queueId}`;
}

/** The full name of the webhook queue (`WEBHOOK_QUEUE`). */
export function webhookQueuePath(config: Pick<Config, "projectId" | "location" | "webhooks">): string {
  return queuePath({ ...config, queueId: config.webhooks.queueId });
}

/** The full name of a lane's queue: `TASKS_QUEUE` for interactive jobs, `TASKS_BATCH_QUEUE` for batch. */
export function laneQueuePath(
  config: Pick<Config, "projectId" | "location" | "queueId" | "batchQueueId">,
  lane: Lane,
): string {
  return queuePath({ ...config, queueId: lane === "batch" ? config.batchQueueId : config.queueId });
}

export { SECRET_VARIABLES };
