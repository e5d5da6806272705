# Runs the sweeper every minute (functions/sweep.ts): POST with an OIDC token of the scheduler
# account, the only invoker of sweep. No retries: the next run is a minute away and does the same.
resource "google_cloud_scheduler_job" "sweep" {
  name             = "${var.name_prefix}-sweep"
  region           = var.region
  description      = "Settles expired leases, re-enqueues stranded jobs, frees leaked slots."
  schedule         = var.sweep_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "${var.sweep_timeout_seconds}s"

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.sweep.url
    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.sweep.url
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.sweep_scheduler]
}
