# The queue's settings: one Terraform variable per variable shared/config.ts reads, named after it
# (queue_capacity sets QUEUE_CAPACITY), with the same default and the same allowed range, so a plan
# refuses what the functions would refuse at start. tests/unit/terraform-config.test.ts proves both
# against loadConfig. null means "unset": the code then derives the value.

variable "tasks_queue" {
  description = "TASKS_QUEUE: Cloud Tasks queue id."
  type        = string
  default     = "generation"
  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,100}$", var.tasks_queue))
    error_message = "The tasks_queue must be 1-100 of A-Z, a-z, 0-9 and -."
  }
}

variable "tasks_batch_queue" {
  description = "TASKS_BATCH_QUEUE: Cloud Tasks queue id of the batch lane (options.priority \"batch\"); must differ from tasks_queue."
  type        = string
  default     = "generation-batch"
  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,100}$", var.tasks_batch_queue))
    error_message = "The tasks_batch_queue must be 1-100 of A-Z, a-z, 0-9 and -."
  }
}

variable "webhook_queue" {
  description = "WEBHOOK_QUEUE: Cloud Tasks queue id of the completion webhooks' deliveries (a queue of their own, so receivers never delay jobs); must differ from tasks_queue and tasks_batch_queue. Default: webhooks."
  type        = string
  default     = "webhooks"
  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,100}$", var.webhook_queue))
    error_message = "The webhook_queue must be 1-100 of A-Z, a-z, 0-9 and -."
  }
}

variable "events_topic" {
  description = "EVENTS_TOPIC: Pub/Sub topic of job lifecycle events."
  type        = string
  default     = "generation-events"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9\\-_.~+%]{2,254}$", var.events_topic))
    error_message = "The events_topic must be a Pub/Sub topic id (3-255 characters, starting with a letter)."
  }
}

variable "pixellab_base_url" {
  description = "PIXELLAB_BASE_URL: PixelLab API base URL."
  type        = string
  default     = "https://api.pixellab.ai/v1"
  validation {
    condition     = can(regex("^https?://", var.pixellab_base_url))
    error_message = "The pixellab_base_url must be an http(s) URL."
  }
}

variable "log_level" {
  description = "LOG_LEVEL: Least severe log line written."
  type        = string
  default     = "info"
  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "The log_level must be one of debug, info, warn, error."
  }
}

variable "app_check" {
  description = "APP_CHECK: required makes the job routes ask for a Firebase App Check token (X-Firebase-AppCheck); off does not."
  type        = string
  default     = "off"
  validation {
    condition     = contains(["off", "required"], var.app_check)
    error_message = "The app_check must be one of off, required."
  }
}

variable "recaptcha_enterprise_site_key" {
  description = "The reCAPTCHA Enterprise site key the web client gets App Check tokens with (register the web app for App Check with it first); null leaves App Check out of the page."
  type        = string
  default     = null
}

variable "pixellab_poll_interval_ms" {
  description = "PIXELLAB_POLL_INTERVAL_MS: First pause between polls of a PixelLab background job, ms."
  type        = number
  default     = 2000
  validation {
    condition     = floor(var.pixellab_poll_interval_ms) == var.pixellab_poll_interval_ms && var.pixellab_poll_interval_ms >= 10 && var.pixellab_poll_interval_ms <= 60000
    error_message = "The pixellab_poll_interval_ms must be an integer from 10 to 60000."
  }
}

variable "queue_capacity" {
  description = "QUEUE_CAPACITY: Active (queued + processing) jobs at which submissions get 503."
  type        = number
  default     = 500
  validation {
    condition     = floor(var.queue_capacity) == var.queue_capacity && var.queue_capacity >= 1 && var.queue_capacity <= 100000
    error_message = "The queue_capacity must be an integer from 1 to 100000."
  }
}

variable "queue_warning_threshold" {
  description = "QUEUE_WARNING_THRESHOLD: Active jobs at which a warning and a queue.threshold event go out; at most queue_capacity. null: the code's default, min(400, queue_capacity)."
  type        = number
  default     = null
  validation {
    condition     = var.queue_warning_threshold == null || try(floor(var.queue_warning_threshold) == var.queue_warning_threshold && var.queue_warning_threshold >= 1 && var.queue_warning_threshold <= 100000, false)
    error_message = "The queue_warning_threshold must be an integer from 1 to 100000."
  }
}

variable "user_active_job_limit" {
  description = "USER_ACTIVE_JOB_LIMIT: Active jobs one user may have."
  type        = number
  default     = 5
  validation {
    condition     = floor(var.user_active_job_limit) == var.user_active_job_limit && var.user_active_job_limit >= 1 && var.user_active_job_limit <= 1000
    error_message = "The user_active_job_limit must be an integer from 1 to 1000."
  }
}

variable "user_submit_rate_per_min" {
  description = "USER_SUBMIT_RATE_PER_MIN: Submissions one signed-in user may make per calendar minute (UTC); 0 turns the limit off."
  type        = number
  default     = 60
  validation {
    condition     = floor(var.user_submit_rate_per_min) == var.user_submit_rate_per_min && var.user_submit_rate_per_min >= 0 && var.user_submit_rate_per_min <= 1000
    error_message = "The user_submit_rate_per_min must be an integer from 0 to 1000."
  }
}

variable "anon_user_active_job_limit" {
  description = "ANON_USER_ACTIVE_JOB_LIMIT: Active jobs one anonymous user may have (anyone can mint anonymous users, so it is stricter)."
  type        = number
  default     = 2
  validation {
    condition     = floor(var.anon_user_active_job_limit) == var.anon_user_active_job_limit && var.anon_user_active_job_limit >= 1 && var.anon_user_active_job_limit <= 1000
    error_message = "The anon_user_active_job_limit must be an integer from 1 to 1000."
  }
}

variable "anon_submit_rate_per_min" {
  description = "ANON_SUBMIT_RATE_PER_MIN: Submissions one anonymous user may make per calendar minute (UTC); 0 turns the limit off."
  type        = number
  default     = 10
  validation {
    condition     = floor(var.anon_submit_rate_per_min) == var.anon_submit_rate_per_min && var.anon_submit_rate_per_min >= 0 && var.anon_submit_rate_per_min <= 1000
    error_message = "The anon_submit_rate_per_min must be an integer from 0 to 1000."
  }
}

variable "user_daily_spend_usd" {
  description = "USER_DAILY_SPEND_USD: What one signed-in user's jobs may cost PixelLab per calendar day (UTC), in USD as PixelLab reports it, as a decimal string (\"2.50\"); \"0\" turns the budget off."
  type        = string
  default     = "0"
  validation {
    condition     = can(regex("^[0-9]{1,6}([.][0-9]{1,6})?$", var.user_daily_spend_usd)) && tonumber(var.user_daily_spend_usd) <= 100000
    error_message = "The user_daily_spend_usd must be an amount of USD from 0 to 100000 with at most 6 decimals."
  }
}

variable "anon_daily_spend_usd" {
  description = "ANON_DAILY_SPEND_USD: The same budget for one anonymous user, as a decimal string. null: the code's default, user_daily_spend_usd."
  type        = string
  default     = null
  validation {
    condition     = var.anon_daily_spend_usd == null || try(can(regex("^[0-9]{1,6}([.][0-9]{1,6})?$", var.anon_daily_spend_usd)) && tonumber(var.anon_daily_spend_usd) <= 100000, false)
    error_message = "The anon_daily_spend_usd must be an amount of USD from 0 to 100000 with at most 6 decimals."
  }
}

variable "spend_hold_usd" {
  description = "SPEND_HOLD_USD: What admitting a job holds of its owner's daily budget until PixelLab reports its cost (the most one job is expected to cost), as a decimal string; at most the budgets that are on."
  type        = string
  default     = "0.05"
  validation {
    condition     = can(regex("^[0-9]{1,4}([.][0-9]{1,6})?$", var.spend_hold_usd)) && tonumber(var.spend_hold_usd) > 0 && tonumber(var.spend_hold_usd) <= 1000
    error_message = "The spend_hold_usd must be an amount of USD above 0 and at most 1000 with at most 6 decimals."
  }
}

variable "dedup_window_ms" {
  description = "DEDUP_WINDOW_MS: Identical submissions by one user within this window return the first job, ms."
  type        = number
  default     = 10000
  validation {
    condition     = floor(var.dedup_window_ms) == var.dedup_window_ms && var.dedup_window_ms >= 0 && var.dedup_window_ms <= 3600000
    error_message = "The dedup_window_ms must be an integer from 0 to 3600000."
  }
}

variable "max_request_bytes" {
  description = "MAX_REQUEST_BYTES: Largest accepted request body, bytes."
  type        = number
  default     = 2097152
  validation {
    condition     = floor(var.max_request_bytes) == var.max_request_bytes && var.max_request_bytes >= 1024 && var.max_request_bytes <= 10485760
    error_message = "The max_request_bytes must be an integer from 1024 to 10485760."
  }
}

variable "user_long_poll_limit" {
  description = "USER_LONG_POLL_LIMIT: Long-polls one user may hold open at once on one api instance."
  type        = number
  default     = 4
  validation {
    condition     = floor(var.user_long_poll_limit) == var.user_long_poll_limit && var.user_long_poll_limit >= 1 && var.user_long_poll_limit <= 100
    error_message = "The user_long_poll_limit must be an integer from 1 to 100."
  }
}

variable "enqueue_timeout_ms" {
  description = "ENQUEUE_TIMEOUT_MS: Longest a submission waits for Cloud Tasks before answering 503, ms."
  type        = number
  default     = 3000
  validation {
    condition     = floor(var.enqueue_timeout_ms) == var.enqueue_timeout_ms && var.enqueue_timeout_ms >= 100 && var.enqueue_timeout_ms <= 30000
    error_message = "The enqueue_timeout_ms must be an integer from 100 to 30000."
  }
}

variable "retry_after_max_ms" {
  description = "RETRY_AFTER_MAX_MS: Longest PixelLab Retry-After honoured, ms; a longer one fails the job into the dead-letter queue. null: the code's default, retry_max_delay_ms."
  type        = number
  default     = null
  validation {
    condition     = var.retry_after_max_ms == null || try(floor(var.retry_after_max_ms) == var.retry_after_max_ms && var.retry_after_max_ms >= 0 && var.retry_after_max_ms <= 2592000000, false)
    error_message = "The retry_after_max_ms must be an integer from 0 to 2592000000."
  }
}

variable "cache_hit_flush_ms" {
  description = "CACHE_HIT_FLUSH_MS: How often an instance writes its cache-hit counts, ms."
  type        = number
  default     = 60000
  validation {
    condition     = floor(var.cache_hit_flush_ms) == var.cache_hit_flush_ms && var.cache_hit_flush_ms >= 100 && var.cache_hit_flush_ms <= 3600000
    error_message = "The cache_hit_flush_ms must be an integer from 100 to 3600000."
  }
}

variable "tasks_max_concurrent" {
  description = "TASKS_MAX_CONCURRENT: Jobs Cloud Tasks runs at once: the queue's max_concurrent_dispatches, so the number of concurrent PixelLab generations. Keep it at or below what your PixelLab plan runs at once."
  type        = number
  default     = 10
  validation {
    condition     = floor(var.tasks_max_concurrent) == var.tasks_max_concurrent && var.tasks_max_concurrent >= 1 && var.tasks_max_concurrent <= 5000
    error_message = "The tasks_max_concurrent must be an integer from 1 to 5000."
  }
}

variable "tasks_batch_max_concurrent" {
  description = "TASKS_BATCH_MAX_CONCURRENT: Batch-lane jobs Cloud Tasks runs at once (the batch queue's max_concurrent_dispatches), out of tasks_max_concurrent: batch attempts start only while interactive jobs leave this many free. null: the code's default, half of tasks_max_concurrent (at least 1)."
  type        = number
  default     = null
  validation {
    condition     = var.tasks_batch_max_concurrent == null || try(floor(var.tasks_batch_max_concurrent) == var.tasks_batch_max_concurrent && var.tasks_batch_max_concurrent >= 1 && var.tasks_batch_max_concurrent <= 5000, false)
    error_message = "The tasks_batch_max_concurrent must be an integer from 1 to 5000."
  }
}

variable "webhook_max_concurrent" {
  description = "WEBHOOK_MAX_CONCURRENT: Webhook deliveries Cloud Tasks runs at once (the webhook queue's max_concurrent_dispatches); they run on processJob beside the jobs. Default: 10."
  type        = number
  default     = 10
  validation {
    condition     = floor(var.webhook_max_concurrent) == var.webhook_max_concurrent && var.webhook_max_concurrent >= 1 && var.webhook_max_concurrent <= 1000
    error_message = "The webhook_max_concurrent must be an integer from 1 to 1000."
  }
}

variable "webhook_timeout_ms" {
  description = "WEBHOOK_TIMEOUT_MS: Longest one webhook delivery waits for the receiver's answer, ms; a later answer counts as a failed attempt, which the webhook queue retries. Default: 10000."
  type        = number
  default     = 10000
  validation {
    condition     = floor(var.webhook_timeout_ms) == var.webhook_timeout_ms && var.webhook_timeout_ms >= 1000 && var.webhook_timeout_ms <= 30000
    error_message = "The webhook_timeout_ms must be an integer from 1000 to 30000."
  }
}

variable "webhook_secret_grace_hours" {
  description = "WEBHOOK_SECRET_GRACE_HOURS: How long a rotated-out webhook signing secret still signs deliveries beside the new one, hours, so a receiver can switch without losing any; 0 drops it at once. Default: 24."
  type        = number
  default     = 24
  validation {
    condition     = floor(var.webhook_secret_grace_hours) == var.webhook_secret_grace_hours && var.webhook_secret_grace_hours >= 0 && var.webhook_secret_grace_hours <= 720
    error_message = "The webhook_secret_grace_hours must be an integer from 0 to 720."
  }
}

variable "expected_job_ms" {
  description = "EXPECTED_JOB_MS: Typical time of one generation, ms: wait estimates, Retry-After, progress while PixelLab works."
  type        = number
  default     = 30000
  validation {
    condition     = floor(var.expected_job_ms) == var.expected_job_ms && var.expected_job_ms >= 100 && var.expected_job_ms <= 1800000
    error_message = "The expected_job_ms must be an integer from 100 to 1800000."
  }
}

variable "cache_ttl_days" {
  description = "CACHE_TTL_DAYS: How long a cached result is served, days (Firestore's TTL policy then deletes it)."
  type        = number
  default     = 30
  validation {
    condition     = floor(var.cache_ttl_days) == var.cache_ttl_days && var.cache_ttl_days >= 1 && var.cache_ttl_days <= 3650
    error_message = "The cache_ttl_days must be an integer from 1 to 3650."
  }
}

variable "dead_letter_retention_days" {
  description = "DEAD_LETTER_RETENTION_DAYS: How long a dead-letter entry is kept, days."
  type        = number
  default     = 7
  validation {
    condition     = floor(var.dead_letter_retention_days) == var.dead_letter_retention_days && var.dead_letter_retention_days >= 1 && var.dead_letter_retention_days <= 365
    error_message = "The dead_letter_retention_days must be an integer from 1 to 365."
  }
}

variable "job_timeout_ms" {
  description = "JOB_TIMEOUT_MS: One attempt's limit when the job sets none, ms."
  type        = number
  default     = 600000
  validation {
    condition     = floor(var.job_timeout_ms) == var.job_timeout_ms && var.job_timeout_ms >= 10000 && var.job_timeout_ms <= 1800000
    error_message = "The job_timeout_ms must be an integer from 10000 to 1800000."
  }
}

variable "max_attempts" {
  description = "MAX_ATTEMPTS: Attempts of one job before it fails into the dead-letter queue."
  type        = number
  default     = 3
  validation {
    condition     = floor(var.max_attempts) == var.max_attempts && var.max_attempts >= 1 && var.max_attempts <= 20
    error_message = "The max_attempts must be an integer from 1 to 20."
  }
}

variable "retry_base_delay_ms" {
  description = "RETRY_BASE_DELAY_MS: First retry delay, ms (exponential, +-10% jitter)."
  type        = number
  default     = 2000
  validation {
    condition     = floor(var.retry_base_delay_ms) == var.retry_base_delay_ms && var.retry_base_delay_ms >= 100 && var.retry_base_delay_ms <= 600000
    error_message = "The retry_base_delay_ms must be an integer from 100 to 600000."
  }
}

variable "retry_max_delay_ms" {
  description = "RETRY_MAX_DELAY_MS: Longest retry delay, ms; at least retry_base_delay_ms."
  type        = number
  default     = 60000
  validation {
    condition     = floor(var.retry_max_delay_ms) == var.retry_max_delay_ms && var.retry_max_delay_ms >= 100 && var.retry_max_delay_ms <= 3600000
    error_message = "The retry_max_delay_ms must be an integer from 100 to 3600000."
  }
}

variable "sweep_stale_ms" {
  description = "SWEEP_STALE_MS: A queued job untouched this long with no task behind it is re-enqueued by the sweeper, ms."
  type        = number
  default     = 120000
  validation {
    condition     = floor(var.sweep_stale_ms) == var.sweep_stale_ms && var.sweep_stale_ms >= 1000 && var.sweep_stale_ms <= 3600000
    error_message = "The sweep_stale_ms must be an integer from 1000 to 3600000."
  }
}
