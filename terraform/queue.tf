locals {
  # The queue's rate and retry settings come from shared/queue-settings.ts, the same source the local
  # Cloud Tasks emulator is configured from (regenerate with
  # `node tests/tools/package/queue-settings-json.ts`; a test fails when the two disagree). The
  # concurrency is tasks_max_concurrent, which also sets TASKS_MAX_CONCURRENT for the code.
  queue_settings = jsondecode(file("${path.module}/queue-settings.json"))
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
