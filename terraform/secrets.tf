# The PixelLab key: Terraform makes the secret, never its value (which would land in the state).
# Add the value with gcloud (README, "Deploy to Google Cloud"); processJob reads the latest version.
resource "google_secret_manager_secret" "pixellab_api_key" {
  secret_id = var.pixellab_secret_id
  replication {
    auto {}
  }
  depends_on = [google_project_service.enabled]
}

# Only processJob calls PixelLab, so only its account may read the key.
resource "google_secret_manager_secret_iam_member" "process_job_pixellab" {
  secret_id = google_secret_manager_secret.pixellab_api_key.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.process_job.member
}

# METRICS_TOKEN: the bearer token a Prometheus scrapes GET /metrics with (an admin's Firebase ID token
# works too). Like the PixelLab key, Terraform makes the secret and you add the value (README), so
# the token never lands in the state. Every function serves /metrics, so all three read it.
resource "google_secret_manager_secret" "metrics_token" {
  secret_id = var.metrics_token_secret_id
  replication {
    auto {}
  }
  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_iam_member" "metrics_token" {
  for_each  = local.function_accounts
  secret_id = google_secret_manager_secret.metrics_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}
