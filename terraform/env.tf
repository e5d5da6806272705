locals {
  process_job_name = "${var.name_prefix}-process-job"

  # processJob's URL in Cloud Functions' stable form, known before the function exists, so that
  # processJob itself can carry it: it is where Cloud Tasks delivers (TASK_HANDLER_URL) and the
  # audience of the OIDC token the queue mints and the handler verifies. A postcondition on the
  # function checks it against the URL Google reports.
  task_handler_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.process_job_name}"

  # The queue's settings, each from the Terraform variable of the same name (config-variables.tf).
  tuning_env = {
    TASKS_QUEUE                = var.tasks_queue
    TASKS_BATCH_QUEUE          = var.tasks_batch_queue
    WEBHOOK_QUEUE              = var.webhook_queue
    EVENTS_TOPIC               = var.events_topic
    PIXELLAB_BASE_URL          = var.pixellab_base_url
    PIXELLAB_POLL_INTERVAL_MS  = var.pixellab_poll_interval_ms
    QUEUE_CAPACITY             = var.queue_capacity
    QUEUE_WARNING_THRESHOLD    = var.queue_warning_threshold
    USER_ACTIVE_JOB_LIMIT      = var.user_active_job_limit
    USER_SUBMIT_RATE_PER_MIN   = var.user_submit_rate_per_min
    ANON_USER_ACTIVE_JOB_LIMIT = var.anon_user_active_job_limit
    ANON_SUBMIT_RATE_PER_MIN   = var.anon_submit_rate_per_min
    USER_DAILY_SPEND_USD       = var.user_daily_spend_usd
    ANON_DAILY_SPEND_USD       = var.anon_daily_spend_usd
    SPEND_HOLD_USD             = var.spend_hold_usd
    DEDUP_WINDOW_MS            = var.dedup_window_ms
    MAX_REQUEST_BYTES          = var.max_request_bytes
    USER_LONG_POLL_LIMIT       = var.user_long_poll_limit
    ENQUEUE_TIMEOUT_MS         = var.enqueue_timeout_ms
    RETRY_AFTER_MAX_MS         = var.retry_after_max_ms
    CACHE_HIT_FLUSH_MS         = var.cache_hit_flush_ms
    TASKS_MAX_CONCURRENT       = var.tasks_max_concurrent
    TASKS_BATCH_MAX_CONCURRENT = var.tasks_batch_max_concurrent
    WEBHOOK_MAX_CONCURRENT     = var.webhook_max_concurrent
    WEBHOOK_TIMEOUT_MS         = var.webhook_timeout_ms
    WEBHOOK_SECRET_GRACE_HOURS = var.webhook_secret_grace_hours
    EXPECTED_JOB_MS            = var.expected_job_ms
    CACHE_TTL_DAYS             = var.cache_ttl_days
    DEAD_LETTER_RETENTION_DAYS = var.dead_letter_retention_days
    JOB_TIMEOUT_MS             = var.job_timeout_ms
    MAX_ATTEMPTS               = var.max_attempts
    RETRY_BASE_DELAY_MS        = var.retry_base_delay_ms
    RETRY_MAX_DELAY_MS         = var.retry_max_delay_ms
    SWEEP_STALE_MS             = var.sweep_stale_ms
    LOG_LEVEL                  = var.log_level
    APP_CHECK                  = var.app_check
  }

  # What the deployment itself decides. Not set on purpose: TASKS_OIDC_* (the defaults are Google's
  # issuer and keys, and the audience defaults to TASK_HANDLER_URL), TASKS_EMULATOR_HOST,
  # UNVERIFIED_TASKS_LOCAL_ONLY and WEBHOOK_LOOPBACK_LOCAL_ONLY (local only), and the secrets
  # (PIXELLAB_API_KEY, METRICS_TOKEN, REDIS_URL), which come from Secret Manager (functions.tf).
  deployment_env = {
    # For the Functions Framework (Express), not loadConfig: a body that is not JSON is answered by
    # the framework before our code runs, and only in production mode without a stack trace.
    NODE_ENV = "production"
    # For Node, not loadConfig: the OpenTelemetry SDK must start before the function code loads the
    # modules it instruments, so Node imports the preload first (the path is inside the artifact, from
    # the function's working directory, its root).
    NODE_OPTIONS                = "--import ./shared/telemetry/preload.js"
    GOOGLE_CLOUD_PROJECT        = var.project_id
    GCP_LOCATION                = var.region
    TASK_HANDLER_URL            = local.task_handler_url
    TASKS_SERVICE_ACCOUNT_EMAIL = google_service_account.tasks_invoker.email
  }

  # All three functions read one configuration (loadConfig validates all of it at start).
  function_env = {
    for name, value in merge(local.tuning_env, local.deployment_env) : name => tostring(value) if value != null
  }

  # REDIS_URL (it carries Redis' AUTH string) comes from Secret Manager, and only with enable_redis.
  redis_url_secret = [
    for version in google_secret_manager_secret_version.redis_url : {
      secret  = google_secret_manager_secret.redis_url[0].secret_id
      version = version.version
    }
  ]
  vpc_connector        = one(google_vpc_access_connector.redis[*].id)
  vpc_connector_egress = var.enable_redis ? "PRIVATE_RANGES_ONLY" : null
}
