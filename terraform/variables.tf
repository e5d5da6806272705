# What a deployment chooses. Only project_id and region are required; the queue's own settings
# (the variables shared/config.ts reads) are in config-variables.tf.

variable "project_id" {
  description = "GCP project to deploy into (billing enabled)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "The project_id must be a GCP project id: 6-30 of a-z, 0-9 and -, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the Cloud Tasks queue, the buckets and (unless firestore_location says otherwise) Firestore, e.g. us-central1."
  type        = string
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "The region must be a region such as us-central1."
  }
}

variable "name_prefix" {
  description = "Prefix of every named resource (functions, service accounts, buckets, secrets), so several deployments can share a project."
  type        = string
  default     = "genq"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.name_prefix))
    error_message = "The name_prefix must be 2-10 of a-z and 0-9, starting with a letter (service account ids are at most 30 characters)."
  }
}

variable "firestore_location" {
  description = "Firestore location (a region, or a multi-region such as nam5). Default: the region. It cannot change once the database exists."
  type        = string
  default     = null
}

variable "source_zip" {
  description = "The functions' artifact. Default: ../dist/function-source.zip, what `npm run package` writes."
  type        = string
  default     = null
}

variable "web_dist_dir" {
  description = "The built web client (`npx vite build shared/web --outDir dist/web --base ./`). Default: ../dist/web. Terraform uploads every file in it and writes config.json beside them."
  type        = string
  default     = null
}

variable "pixellab_secret_id" {
  description = "Secret Manager secret holding the PixelLab API key (Terraform creates the secret; you add its value, see the README)."
  type        = string
  default     = "pixellab-api-key"
}

# --- Sizing. processJob's capacity (instances x concurrency) must cover what the three queues that
# deliver to it run at once (tasks_max_concurrent, the batch lane's concurrency and
# webhook_max_concurrent), so the queues, not the platform, are the limit.

variable "api_memory" {
  description = "Memory of one api instance. The Functions Framework parses every body (up to 1 GiB) before the api can refuse it: a 32 MiB JSON request costs about 125 MiB at peak over an idle instance's 200 MiB (README, Configuration)."
  type        = string
  default     = "1Gi"
}

variable "api_max_instances" {
  description = "Most api instances at once (x api_concurrency = concurrent requests, long-polls included)."
  type        = number
  default     = 40
}

variable "api_concurrency" {
  description = "Requests one api instance serves at once: (memory - 200 MiB) / 125 MiB per large body, with headroom; 5 for 1 GiB (README, Configuration)."
  type        = number
  default     = 5
  validation {
    condition     = var.api_concurrency >= 1 && var.api_concurrency <= 1000
    error_message = "The api_concurrency must be 1 to 1000 (Cloud Run's limit)."
  }
}

variable "worker_memory" {
  description = "Memory of one processJob or sweep instance (their bodies are tiny task payloads)."
  type        = string
  default     = "512Mi"
}

variable "api_timeout_seconds" {
  description = "Longest api request, s: covers a 25 s long-poll plus the enqueue timeout."
  type        = number
  default     = 60
}

variable "process_job_max_instances" {
  description = "Most processJob instances at once. With process_job_concurrency, at least the three queues' concurrency (tasks_max_concurrent + the batch lane's + webhook_max_concurrent) fits."
  type        = number
  default     = 4
}

variable "process_job_concurrency" {
  description = "Deliveries one processJob instance handles at once. Each mostly waits on PixelLab (an await, no CPU), so many share one instance and its billed time: 20 cut the instance-seconds a job waits to a twentieth."
  type        = number
  default     = 20
  validation {
    condition     = var.process_job_concurrency >= 1 && var.process_job_concurrency <= 1000
    error_message = "The process_job_concurrency must be 1 to 1000 (Cloud Run's limit)."
  }
}

variable "process_job_timeout_seconds" {
  description = "processJob's function timeout, s. Must outlive the longest Cloud Tasks dispatch deadline (30 min, shared/deadlines.ts) plus the 30 s the handler keeps to store the outcome; default: deadline + 60 s."
  type        = number
  default     = 1860
  validation {
    condition     = var.process_job_timeout_seconds >= 1830 && var.process_job_timeout_seconds <= 3600
    error_message = "The process_job_timeout_seconds must be 1830 (the 1800 s dispatch deadline plus the handler's 30 s margin) to 3600 (the gen2 HTTP maximum)."
  }
}

variable "sweep_timeout_seconds" {
  description = "sweep's function timeout and Cloud Scheduler's attempt deadline, s."
  type        = number
  default     = 120
  validation {
    condition     = var.sweep_timeout_seconds >= 15 && var.sweep_timeout_seconds <= 1800
    error_message = "The sweep_timeout_seconds must be 15 to 1800 (Cloud Scheduler's attempt deadline range for HTTP targets)."
  }
}

variable "sweep_schedule" {
  description = "When Cloud Scheduler runs the sweeper (cron, UTC)."
  type        = string
  default     = "* * * * *"
}

variable "worker_ingress" {
  description = "Ingress of processJob and sweep. IAM already lets only the queue's and the scheduler's accounts in; ALLOW_INTERNAL_ONLY also drops traffic from outside Google's network (Cloud Tasks and Cloud Scheduler of the same project count as internal)."
  type        = string
  default     = "ALLOW_ALL"
  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY"], var.worker_ingress)
    error_message = "The worker_ingress must be ALLOW_ALL or ALLOW_INTERNAL_ONLY."
  }
}

variable "tasks_log_sampling_ratio" {
  description = "Share of Cloud Tasks operations logged to Cloud Logging (0 to 1)."
  type        = number
  default     = 1
  validation {
    condition     = var.tasks_log_sampling_ratio >= 0 && var.tasks_log_sampling_ratio <= 1
    error_message = "The tasks_log_sampling_ratio must be 0 to 1."
  }
}

# --- Optional Redis (the L1 cache). Off: REDIS_URL stays unset and the queue runs on Firestore alone.

variable "enable_redis" {
  description = "Create a Memorystore Redis instance and a Serverless VPC Access connector, and give the functions REDIS_URL (through Secret Manager)."
  type        = bool
  default     = false
}

variable "redis_memory_size_gb" {
  description = "Memorystore capacity, GB (Basic tier)."
  type        = number
  default     = 1
}

variable "network" {
  description = "VPC network Redis and the connector attach to (must exist)."
  type        = string
  default     = "default"
}

variable "vpc_connector_cidr" {
  description = "Unused /28 range of the network for the Serverless VPC Access connector."
  type        = string
  default     = "10.8.0.0/28"
}

# --- Dashboards and alerts (monitoring.tf; the alert rules are prometheus/alert-rules.yml).

variable "notification_channels" {
  description = "Cloud Monitoring notification channels every alert policy notifies, as ids (projects/P/notificationChannels/N; create them in the console or with google_monitoring_notification_channel). Empty: incidents open in the console without notifying anyone."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for id in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", id))])
    error_message = "The notification_channels must be ids of the form projects/P/notificationChannels/N."
  }
}

variable "end_to_end_p95_objective_seconds" {
  description = "Objective for the end-to-end time (submission to end) of generated jobs, s: the EndToEndP95OverObjective alert fires when their p95 stays above it for 10 min. Default: twice the default expected_job_ms (30 s)."
  type        = number
  default     = 60
  validation {
    condition     = var.end_to_end_p95_objective_seconds >= 1 && var.end_to_end_p95_objective_seconds <= 3600
    error_message = "The end_to_end_p95_objective_seconds must be 1 to 3600 (the histogram's largest bucket)."
  }
}

variable "metrics_token_secret_id" {
  description = "Secret Manager secret holding METRICS_TOKEN, the bearer token a Prometheus scrapes GET /metrics with (Terraform creates the secret; you add its value, see the README)."
  type        = string
  default     = "metrics-token"
}
