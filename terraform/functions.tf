# The three Cloud Functions (gen2), all built from the one artifact `npm run package` makes and the
# artifact test runs. Each has its own service account; min instances 0, so idle costs nothing.

resource "google_cloudfunctions2_function" "api" {
  name        = "${var.name_prefix}-api"
  location    = var.region
  description = "The HTTP API: submit, follow, cancel jobs; dead-letter admin."

  build_config {
    runtime         = "nodejs22"
    entry_point     = "api"
    service_account = google_service_account.builder.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.api.email
    available_memory                 = var.api_memory
    available_cpu                    = "1" # concurrency above 1 needs a whole vCPU
    timeout_seconds                  = var.api_timeout_seconds
    min_instance_count               = 0
    max_instance_count               = var.api_max_instances
    max_instance_request_concurrency = var.api_concurrency
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    environment_variables            = local.function_env
    vpc_connector                    = local.vpc_connector
    vpc_connector_egress_settings    = local.vpc_connector_egress

    # METRICS_TOKEN guards GET /metrics; it reaches the function only from Secret Manager.
    secret_environment_variables {
      key        = "METRICS_TOKEN"
      project_id = var.project_id
      secret     = google_secret_manager_secret.metrics_token.secret_id
      version    = "latest"
    }

    dynamic "secret_environment_variables" {
      for_each = local.redis_url_secret
      content {
        key        = "REDIS_URL"
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  depends_on = [google_project_service.enabled, google_project_iam_member.builder, google_secret_manager_secret_iam_member.redis_url, google_secret_manager_secret_iam_member.metrics_token]
}

resource "google_cloudfunctions2_function" "process_job" {
  name        = local.process_job_name
  location    = var.region
  description = "The Cloud Tasks handler: runs one attempt of a job against PixelLab."

  build_config {
    runtime         = "nodejs22"
    entry_point     = "processJob"
    service_account = google_service_account.builder.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.process_job.email
    available_memory                 = var.worker_memory
    available_cpu                    = "1"
    timeout_seconds                  = var.process_job_timeout_seconds
    min_instance_count               = 0
    max_instance_count               = var.process_job_max_instances
    max_instance_request_concurrency = var.process_job_concurrency
    ingress_settings                 = var.worker_ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = local.function_env
    vpc_connector                    = local.vpc_connector
    vpc_connector_egress_settings    = local.vpc_connector_egress

    # The PixelLab key reaches the function only from Secret Manager, never as a plain variable.
    secret_environment_variables {
      key        = "PIXELLAB_API_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.pixellab_api_key.secret_id
      version    = "latest"
    }

    # METRICS_TOKEN guards GET /metrics; it reaches the function only from Secret Manager.
    secret_environment_variables {
      key        = "METRICS_TOKEN"
      project_id = var.project_id
      secret     = google_secret_manager_secret.metrics_token.secret_id
      version    = "latest"
    }

    dynamic "secret_environment_variables" {
      for_each = local.redis_url_secret
      content {
        key        = "REDIS_URL"
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.process_job_max_instances * var.process_job_concurrency >= var.tasks_max_concurrent + local.batch_concurrency + var.webhook_max_concurrent
      error_message = "The process_job_max_instances x process_job_concurrency must be at least tasks_max_concurrent plus the batch lane's concurrency plus webhook_max_concurrent (all three queues deliver to it), or Cloud Tasks' dispatches are refused (429) and retried."
    }
    postcondition {
      condition     = self.url == local.task_handler_url
      error_message = "The processJob URL Google reports differs from TASK_HANDLER_URL; Cloud Tasks would deliver elsewhere."
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_project_iam_member.builder,
    google_secret_manager_secret_iam_member.process_job_pixellab,
    google_secret_manager_secret_iam_member.redis_url,
    google_secret_manager_secret_iam_member.metrics_token,
  ]
}

resource "google_cloudfunctions2_function" "sweep" {
  name        = "${var.name_prefix}-sweep"
  location    = var.region
  description = "The sweeper: settles expired leases, re-enqueues stranded jobs, frees leaked slots."

  build_config {
    runtime         = "nodejs22"
    entry_point     = "sweep"
    service_account = google_service_account.builder.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.sweep.email
    available_memory      = var.worker_memory
    available_cpu         = "1"
    timeout_seconds       = var.sweep_timeout_seconds
    min_instance_count    = 0
    # One run a minute; overlapping runs are safe (each fix re-checks its document) but pointless.
    max_instance_count               = 1
    max_instance_request_concurrency = 1
    ingress_settings                 = var.worker_ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = local.function_env
    vpc_connector                    = local.vpc_connector
    vpc_connector_egress_settings    = local.vpc_connector_egress

    # METRICS_TOKEN guards GET /metrics; it reaches the function only from Secret Manager.
    secret_environment_variables {
      key        = "METRICS_TOKEN"
      project_id = var.project_id
      secret     = google_secret_manager_secret.metrics_token.secret_id
      version    = "latest"
    }

    dynamic "secret_environment_variables" {
      for_each = local.redis_url_secret
      content {
        key        = "REDIS_URL"
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  depends_on = [google_project_service.enabled, google_project_iam_member.builder, google_secret_manager_secret_iam_member.redis_url, google_secret_manager_secret_iam_member.metrics_token]
}

# --- Who may invoke which function (gen2 functions are Cloud Run services: roles/run.invoker).

# Public on purpose: the api authenticates every request itself, verifying the caller's Firebase ID
# token (firebase-admin) and its admin claim for the operator routes, so IAM lets everyone reach it.
resource "google_cloud_run_v2_service_iam_member" "api_public" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Only the queue's identity: Cloud Tasks signs each delivery's OIDC token as the tasks invoker
# account, and the handler verifies that token too (it refuses to start without the settings).
resource "google_cloud_run_v2_service_iam_member" "process_job_tasks" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.process_job.name
  role     = "roles/run.invoker"
  member   = google_service_account.tasks_invoker.member
}

# Only Cloud Scheduler's identity; the sweeper trusts its caller (functions/sweep.ts).
resource "google_cloud_run_v2_service_iam_member" "sweep_scheduler" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.sweep.name
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler.member
}
