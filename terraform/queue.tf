locals {
  # The queue's rate and retry settings come from shared/queue-settings.ts, the same source the local
  # Cloud Tasks emulator is configured from (regenerate with
  # `node tests/tools/package/queue-settings-json.ts`; a test fails when the two disagree). The
  # concurrency is tasks_max_concurrent, which also sets TASKS_MAX_CONCURRENT for the code (the
  # webhook queue's is webhook_max_concurrent, which also sets WEBHOOK_MAX_CONCURRENT).
  queue_settings = jsondecode(file("${path.module}/queue-settings.json"))
  # The batch lane's concurrency: the variable, else the code's default (half of the interactive
  # lane's, at least 1), so the queue and TASKS_BATCH_MAX_CONCURRENT agree either way.
  batch_concurrency = coalesce(var.tasks_batch_max_concurrent, max(1, floor(var.tasks_max_concurrent / 2)))
}

resource "google_cloud_tasks_queue" "generation" {
  name     = var.tasks_queue
  location = var.region

  rate_limits {
    max_dispatches_per_second = local.queue_settings.maxDispatchesPerSecond
    max_concurrent_dispatches = var.tasks_max_concurrent
  }

  retry_config {
    max_attempts  = local.queue_settings.retry.maxAttempts
    min_backoff   = "${local.queue_settings.retry.minBackoffSeconds}s"
    max_backoff   = "${local.queue_settings.retry.maxBackoffSeconds}s"
    max_doublings = local.queue_settings.retry.maxDoublings
  }

  stackdriver_logging_config {
    sampling_ratio = var.tasks_log_sampling_ratio
  }

  depends_on = [google_project_service.enabled]
}

# The batch lane (options.priority "batch", shared/lanes.ts): the same settings with the batch
# overrides (a lower rate, retries without limit: a delivery that yields to interactive jobs
# answers 503 and comes again), and its own concurrency.
resource "google_cloud_tasks_queue" "batch" {
  name     = var.tasks_batch_queue
  location = var.region

  rate_limits {
    max_dispatches_per_second = local.queue_settings.batch.maxDispatchesPerSecond
    max_concurrent_dispatches = local.batch_concurrency
  }

  retry_config {
    max_attempts  = local.queue_settings.batch.retry.maxAttempts
    min_backoff   = "${local.queue_settings.batch.retry.minBackoffSeconds}s"
    max_backoff   = "${local.queue_settings.batch.retry.maxBackoffSeconds}s"
    max_doublings = local.queue_settings.batch.retry.maxDoublings
  }

  stackdriver_logging_config {
    sampling_ratio = var.tasks_log_sampling_ratio
  }

  lifecycle {
    precondition {
      condition     = var.tasks_batch_queue != var.tasks_queue
      error_message = "tasks_batch_queue must differ from tasks_queue: each lane is its own queue."
    }
    precondition {
      condition     = local.batch_concurrency <= var.tasks_max_concurrent
      error_message = "tasks_batch_max_concurrent must not exceed tasks_max_concurrent."
    }
  }

  depends_on = [google_project_service.enabled]
}

# Completion webhooks (shared/webhooks/): when a job ends, one task per delivery goes on a queue of
# its own, POSTed to processJob's /webhook-delivery with the same OIDC token as generation tasks, so a
# slow or failing receiver only ever holds webhook deliveries, never a generation job. Cloud Tasks'
# retry policy is the webhooks' whole retry story: a delivery the receiver does not take (non-2xx,
# timeout, refused connection) answers 503 and Cloud Tasks delivers it again, backing off from 10 s
# to 4 h over 12 attempts (about 5 h 40 min), then gives up.
resource "google_cloud_tasks_queue" "webhooks" {
  name     = var.webhook_queue
  location = var.region

  rate_limits {
    max_dispatches_per_second = local.queue_settings.webhooks.maxDispatchesPerSecond
    max_concurrent_dispatches = var.webhook_max_concurrent
  }

  retry_config {
    max_attempts  = local.queue_settings.webhooks.retry.maxAttempts
    min_backoff   = "${local.queue_settings.webhooks.retry.minBackoffSeconds}s"
    max_backoff   = "${local.queue_settings.webhooks.retry.maxBackoffSeconds}s"
    max_doublings = local.queue_settings.webhooks.retry.maxDoublings
  }

  stackdriver_logging_config {
    sampling_ratio = var.tasks_log_sampling_ratio
  }

  lifecycle {
    precondition {
      condition     = var.webhook_queue != var.tasks_queue
      error_message = "webhook_queue must differ from tasks_queue: webhooks have a queue of their own."
    }
    precondition {
      condition     = var.webhook_queue != var.tasks_batch_queue
      error_message = "webhook_queue must differ from tasks_batch_queue: webhooks have a queue of their own."
    }
  }

  depends_on = [google_project_service.enabled]
}

# Create tasks (first attempts, retries as new tasks, sweeper rescues): all three functions.
resource "google_cloud_tasks_queue_iam_member" "enqueuer" {
  for_each = local.function_accounts
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.generation.name
  role     = "roles/cloudtasks.enqueuer"
  member   = each.value.member
}

# Delete tasks (a cancelled job's pending attempt): any lifecycle decision may free one.
resource "google_cloud_tasks_queue_iam_member" "task_deleter" {
  for_each = local.function_accounts
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.generation.name
  role     = "roles/cloudtasks.taskDeleter"
  member   = each.value.member
}

# Read the queue and its tasks: the api's health probe (GetQueue), the sweeper's GetTask.
resource "google_cloud_tasks_queue_iam_member" "viewer" {
  for_each = { api = google_service_account.api, sweep = google_service_account.sweep }
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.generation.name
  role     = "roles/cloudtasks.viewer"
  member   = each.value.member
}

# The same three permissions on the batch lane's queue: every function enqueues and deletes
# either lane's tasks, and the api's health probe and the sweeper's GetTask read both.
resource "google_cloud_tasks_queue_iam_member" "batch_enqueuer" {
  for_each = local.function_accounts
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.batch.name
  role     = "roles/cloudtasks.enqueuer"
  member   = each.value.member
}

resource "google_cloud_tasks_queue_iam_member" "batch_task_deleter" {
  for_each = local.function_accounts
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.batch.name
  role     = "roles/cloudtasks.taskDeleter"
  member   = each.value.member
}

resource "google_cloud_tasks_queue_iam_member" "batch_viewer" {
  for_each = { api = google_service_account.api, sweep = google_service_account.sweep }
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.batch.name
  role     = "roles/cloudtasks.viewer"
  member   = each.value.member
}

# On the webhook queue: every function enqueues deliveries (the api: a cancelled queued job's;
# processJob: every other terminal state; the sweeper: jobs its lease expiry ends, and delivery tasks
# it re-enqueues when lost), and the api's health probe reads it. Nothing deletes a delivery task.
resource "google_cloud_tasks_queue_iam_member" "webhook_enqueuer" {
  for_each = local.function_accounts
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.webhooks.name
  role     = "roles/cloudtasks.enqueuer"
  member   = each.value.member
}

resource "google_cloud_tasks_queue_iam_member" "webhook_viewer" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.webhooks.name
  role     = "roles/cloudtasks.viewer"
  member   = google_service_account.api.member
}
