import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, queuePath, redactedConfig, type Config } from "../../shared/config.ts";

const DAY_MS = 86_400_000;
const BASE = { GOOGLE_CLOUD_PROJECT: "demo-generation-queue" };
const KEY = "pl-secret-key-0123456789";

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig defaults", () => {
  const config = loadConfig(BASE);
  it.each([
    { name: "queue capacity 500", value: config.limits.queueCapacity, expected: 500 },
    { name: "warning at 400", value: config.limits.queueWarningThreshold, expected: 400 },
    { name: "5 active jobs per user", value: config.limits.userActiveJobs, expected: 5 },
    { name: "dedup window 10 s", value: config.limits.dedupWindowMs, expected: 10_000 },
    { name: "60 submissions a minute per user", value: config.limits.userSubmitsPerMinute, expected: 60 },
    {
      name: "anonymous: 2 active jobs, 10 submissions a minute, the signed-in budget",
      value: config.limits.anonymous,
      expected: { activeJobs: 2, submitsPerMinute: 10, dailySpendMicros: 0 },
    },
    { name: "no daily spend budget", value: config.limits.dailySpendMicros, expected: 0 },
    { name: "a job holds 0.05 USD of a budget", value: config.limits.spendHoldMicros, expected: 50_000 },
    { name: "request body 2 MiB", value: config.limits.maxRequestBytes, expected: 2 * 1024 * 1024 },
    { name: "cache TTL 30 days", value: config.cacheTtlMs, expected: 30 * DAY_MS },
    { name: "DLQ retention 7 days", value: config.deadLetterRetentionMs, expected: 7 * DAY_MS },
    { name: "job timeout 10 min", value: config.jobTimeout.defaultMs, expected: 600_000 },
    {
      name: "per-job timeout 10 s..30 min",
      value: [config.jobTimeout.minMs, config.jobTimeout.maxMs],
      expected: [10_000, 1_800_000],
    },
    { name: "3 attempts", value: config.retry.maxAttempts, expected: 3 },
    {
      name: "retry base 2 s, cap 60 s",
      value: [config.retry.baseDelayMs, config.retry.maxDelayMs],
      expected: [2_000, 60_000],
    },
    { name: "PixelLab v1 base URL", value: config.pixellab.baseUrl, expected: "https://api.pixellab.ai/v1" },
    { name: "no API key", value: config.pixellab.apiKey, expected: undefined },
    { name: "location", value: config.location, expected: "us-central1" },
    { name: "queue id", value: config.queueId, expected: "generation" },
    { name: "events topic", value: config.eventsTopic, expected: "generation-events" },
    { name: "log level", value: config.logLevel, expected: "info" },
    { name: "App Check off", value: config.appCheck, expected: "off" },
    { name: "10 concurrent dispatches", value: config.queueConcurrency, expected: 10 },
    { name: "expected job time 30 s", value: config.expectedJobMs, expected: 30_000 },
    { name: "no redis", value: config.redisUrl, expected: undefined },
    { name: "no emulator", value: config.tasksEmulatorHost, expected: undefined },
  ])("$name", ({ value, expected }) => {
    expect(value).toEqual(expected);
  });
});

describe("loadConfig values", () => {
  const limits = (l: Partial<Config["limits"]>) => ({ limits: l });
  it.each([
    { name: "integers", env: { QUEUE_CAPACITY: "1000" }, expected: limits({ queueCapacity: 1000 }) },
    {
      name: "a small capacity lowers the warning",
      env: { QUEUE_CAPACITY: "300" },
      expected: limits({ queueWarningThreshold: 300 }),
    },
    {
      name: "the webhook settings",
      env: {
        TASKS_EMULATOR_HOST: "127.0.0.1:8123",
        WEBHOOK_LOOPBACK_LOCAL_ONLY: "true",
        WEBHOOK_SECRET_GRACE_HOURS: "2",
        WEBHOOK_MAX_CONCURRENT: "3",
      },
      expected: {
        webhooks: {
          queueId: "webhooks",
          concurrency: 3,
          timeoutMs: 10_000,
          secretGraceMs: 7_200_000,
          allowLoopback: true,
        },
      },
    },
    {
      name: "surrounding whitespace trimmed",
      env: { MAX_ATTEMPTS: " 5 " },
      expected: { retry: { maxAttempts: 5 } },
    },
    {
      name: "empty means unset",
      env: { USER_ACTIVE_JOB_LIMIT: "" },
      expected: limits({ userActiveJobs: 5 }),
    },
    { name: "zero dedup window", env: { DEDUP_WINDOW_MS: "0" }, expected: limits({ dedupWindowMs: 0 }) },
    { name: "TTL days in ms", env: { CACHE_TTL_DAYS: "1" }, expected: { cacheTtlMs: DAY_MS } },
    {
      name: "DLQ days in ms",
      env: { DEAD_LETTER_RETENTION_DAYS: "2" },
      expected: { deadLetterRetentionMs: 2 * DAY_MS },
    },
    {
      name: "shortest job timeout",
      env: { JOB_TIMEOUT_MS: "10000" },
      expected: { jobTimeout: { defaultMs: 10_000 } },
    },
    {
      name: "URL without trailing slash",
      env: { PIXELLAB_BASE_URL: "http://127.0.0.1:8000/v1/" },
      expected: { pixellab: { baseUrl: "http://127.0.0.1:8000/v1" } },
    },
    {
      name: "redis URL",
      env: { REDIS_URL: "rediss://cache:6380" },
      expected: { redisUrl: "rediss://cache:6380" },
    },
    {
      name: "emulator host",
      env: { TASKS_EMULATOR_HOST: "localhost:8123" },
      expected: { tasksEmulatorHost: "localhost:8123" },
    },
    { name: "API key", env: { PIXELLAB_API_KEY: KEY }, expected: { pixellab: { apiKey: KEY } } },
    {
      name: "API key under the SDKs' name",
      env: { PIXELLAB_SECRET: KEY },
      expected: { pixellab: { apiKey: KEY } },
    },
    {
      name: "OIDC verification settings",
      env: { TASKS_OIDC_ISSUER: "http://127.0.0.1:8124", TASKS_OIDC_JWKS_URL: "http://127.0.0.1:8124/jwks" },
      expected: { tasksOidc: { issuer: "http://127.0.0.1:8124", jwksUrl: "http://127.0.0.1:8124/jwks" } },
    },
  ])("reads $name", ({ env, expected }) => {
    expect(loadConfig({ ...BASE, ...env })).toMatchObject(expected);
  });
});

describe("loadConfig problems", () => {
  it.each([
    {
      name: "missing project",
      env: { GOOGLE_CLOUD_PROJECT: undefined },
      problem: /^GOOGLE_CLOUD_PROJECT is not set: must be a GCP project id/,
    },
    {
      name: "bad project",
      env: { GOOGLE_CLOUD_PROJECT: "My_Project" },
      problem: /^GOOGLE_CLOUD_PROJECT="My_Project": must be a GCP project id/,
    },
    {
      name: "non-numeric capacity",
      env: { QUEUE_CAPACITY: "lots" },
      problem: /^QUEUE_CAPACITY="lots": must be an integer from 1 to 100000$/,
    },
    {
      name: "fractional capacity",
      env: { QUEUE_CAPACITY: "10.5" },
      problem: /^QUEUE_CAPACITY="10.5": must be an integer/,
    },
    {
      name: "exponent notation",
      env: { DEDUP_WINDOW_MS: "1e4" },
      problem: /^DEDUP_WINDOW_MS="1e4": must be an integer from 0 to 3600000$/,
    },
    {
      name: "zero user limit",
      env: { USER_ACTIVE_JOB_LIMIT: "0" },
      problem: /^USER_ACTIVE_JOB_LIMIT="0": must be an integer from 1 to 1000$/,
    },
    {
      name: "a submission rate over 1000 a minute",
      env: { USER_SUBMIT_RATE_PER_MIN: "1001" },
      problem: /^USER_SUBMIT_RATE_PER_MIN="1001": must be an integer from 0 to 1000$/,
    },
    {
      name: "a negative anonymous rate",
      env: { ANON_SUBMIT_RATE_PER_MIN: "-1" },
      problem: /^ANON_SUBMIT_RATE_PER_MIN="-1": must be an integer from 0 to 1000$/,
    },
    {
      name: "zero anonymous active jobs",
      env: { ANON_USER_ACTIVE_JOB_LIMIT: "0" },
      problem: /^ANON_USER_ACTIVE_JOB_LIMIT="0": must be an integer from 1 to 1000$/,
    },
    {
      name: "job timeout below 10 s",
      env: { JOB_TIMEOUT_MS: "9999" },
      problem: /^JOB_TIMEOUT_MS="9999": must be an integer from 10000 to 1800000$/,
    },
    {
      name: "job timeout above 30 min",
      env: { JOB_TIMEOUT_MS: "1800001" },
      problem: /^JOB_TIMEOUT_MS="1800001"/,
    },
    {
      name: "too many attempts",
      env: { MAX_ATTEMPTS: "21" },
      problem: /^MAX_ATTEMPTS="21": must be an integer from 1 to 20$/,
    },
    { name: "negative TTL", env: { CACHE_TTL_DAYS: "-1" }, problem: /^CACHE_TTL_DAYS="-1"/ },
    {
      name: "App Check neither off nor required",
      env: { APP_CHECK: "on" },
      problem: /^APP_CHECK="on": must be one of off, required$/,
    },
    {
      name: "bad log level",
      env: { LOG_LEVEL: "verbose" },
      problem: /^LOG_LEVEL="verbose": must be one of debug, info, warn, error$/,
    },
    {
      name: "relative URL",
      env: { PIXELLAB_BASE_URL: "api.pixellab.ai" },
      problem:
        /^PIXELLAB_BASE_URL="api.pixellab.ai": must be an absolute URL starting with http: or https:\/\/$/,
    },
    {
      name: "wrong URL scheme",
      env: { REDIS_URL: "http://localhost:6379" },
      problem:
        /^REDIS_URL="http:\/\/localhost:6379": must be an absolute URL starting with redis: or rediss:/,
    },
    {
      name: "emulator host without port",
      env: { TASKS_EMULATOR_HOST: "localhost" },
      problem: /^TASKS_EMULATOR_HOST="localhost": must be host:port$/,
    },
    {
      name: "bad email",
      env: { TASKS_SERVICE_ACCOUNT_EMAIL: "nobody" },
      problem: /^TASKS_SERVICE_ACCOUNT_EMAIL="nobody"/,
    },
    {
      name: "bad location",
      env: { GCP_LOCATION: "moon" },
      problem: /^GCP_LOCATION="moon": must be a region/,
    },
    {
      name: "warning above capacity",
      env: { QUEUE_CAPACITY: "100", QUEUE_WARNING_THRESHOLD: "200" },
      problem: /^QUEUE_WARNING_THRESHOLD="200": must not exceed QUEUE_CAPACITY \(100\)$/,
    },
    {
      name: "cap below base",
      env: { RETRY_BASE_DELAY_MS: "5000", RETRY_MAX_DELAY_MS: "1000" },
      problem: /^RETRY_MAX_DELAY_MS="1000": must be at least RETRY_BASE_DELAY_MS \(5000\)$/,
    },
    {
      name: "webhooks on a lane's queue",
      env: { WEBHOOK_QUEUE: "generation-batch" },
      problem: /^WEBHOOK_QUEUE="generation-batch": must differ from TASKS_QUEUE and TASKS_BATCH_QUEUE/,
    },
    {
      name: "loopback webhooks in a deployment",
      env: { WEBHOOK_LOOPBACK_LOCAL_ONLY: "true" },
      problem: /^WEBHOOK_LOOPBACK_LOCAL_ONLY="true": only with TASKS_EMULATOR_HOST/,
    },
    {
      name: "a webhook timeout over 30 s",
      env: { WEBHOOK_TIMEOUT_MS: "60000" },
      problem: /^WEBHOOK_TIMEOUT_MS="60000"/,
    },
  ])("$name", ({ env, problem }) => {
    const problems = problemsOf({ ...BASE, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it("reports every bad variable in one error", () => {
    const env = { QUEUE_CAPACITY: "x", LOG_LEVEL: "loud", MAX_ATTEMPTS: "0" };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(problemsOf(env).map((p) => p.split(/[=: ]/)[0])).toEqual([
      "QUEUE_CAPACITY",
      "GOOGLE_CLOUD_PROJECT",
      "MAX_ATTEMPTS",
      "LOG_LEVEL",
    ]);
  });

  it.each([
    { name: "too short", value: "short" },
    { name: "with a space", value: "pl-secret key-0123" },
  ])("never prints an invalid API key ($name)", ({ value }) => {
    let message = "";
    try {
      loadConfig({ ...BASE, PIXELLAB_API_KEY: value });
    } catch (error) {
      message = error instanceof Error ? error.message : "";
    }
    expect(message).toContain("PIXELLAB_API_KEY=<redacted>: must be 8-512 non-space characters");
    expect(message).not.toContain(value);
  });
});

describe("redactedConfig and queuePath", () => {
  it.each([
    { name: "with a key", env: { PIXELLAB_API_KEY: KEY }, shown: "<redacted>" },
    { name: "without a key", env: {}, shown: undefined },
  ])("hides the API key $name", ({ env, shown }) => {
    const config = loadConfig({ ...BASE, ...env });
    const redacted = redactedConfig(config);
    expect(redacted.pixellab.apiKey).toBe(shown);
    expect(JSON.stringify(redacted)).not.toContain(KEY);
    expect({ ...redacted, pixellab: config.pixellab }).toEqual(config);
    expect(config.pixellab.apiKey).toBe(env.PIXELLAB_API_KEY); // the original is untouched
  });

  it("builds the Cloud Tasks queue name", () => {
    const config = loadConfig({ ...BASE, GCP_LOCATION: "europe-west1", TASKS_QUEUE: "sprites" });
    expect(queuePath(config)).toBe("projects/demo-generation-queue/locations/europe-west1/queues/sprites");
  });
});
